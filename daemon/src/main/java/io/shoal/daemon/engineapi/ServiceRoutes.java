package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.Json;
import io.shoal.api.ServiceSpec;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.control.ServiceControl;
import java.util.Set;
import java.util.function.Supplier;

/** {@code /services}: create, list, inspect, update, remove. */
public final class ServiceRoutes {
    private final Supplier<ControlApi> control;
    private final LogRoutes logs;

    /** @param control the control API of this node's manager, or Docker's refusal on a worker */
    public ServiceRoutes(Supplier<ControlApi> control, LogRoutes logs) {
        this.control = control;
        this.logs = logs;
    }

    public void register(Router r) {
        r.add("GET", "/services", this::list);
        r.add("POST", "/services/create", this::create);
        r.add("GET", "/services/{id}", req -> services().get(req.param("id")));
        r.add("POST", "/services/{id}/update", this::update);
        r.add("DELETE", "/services/{id}", req -> {
            services().remove(req.param("id"));
            return Router.Reply.empty(200);
        });
        r.add("GET", "/services/{id}/logs", logs::serviceLogs);
    }

    private ServiceControl services() {
        return control.get().services();
    }

    private Object list(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("id", "name", "label", "mode"));
        return services().list(new ServiceControl.Query(f.get("id"), f.get("name"), f.get("label"), f.get("mode"),
                req.queryBool("status")));
    }

    private Object create(ApiRequest req) {
        String id = services().create(req.json(ServiceSpec.class));
        ObjectNode body = Json.MAPPER.createObjectNode().put("ID", id);
        body.putArray("Warnings");
        return Router.Reply.json(201, body);
    }

    private Object update(ApiRequest req) {
        boolean rollback = "previous".equals(req.query("rollback"));
        ServiceSpec spec = rollback && req.body().length == 0 ? null : req.json(ServiceSpec.class);
        services().update(req.param("id"), req.queryLong("version"), spec, rollback);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putArray("Warnings");
        return body;
    }
}
