package io.shoal.daemon.engineapi;

import io.shoal.api.Config;
import io.shoal.api.Driver;
import io.shoal.api.Json;
import io.shoal.api.Secret;
import io.shoal.api.StoredObject;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.control.PayloadControl;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code /secrets} and {@code /configs}: create, list, inspect, update (labels only), remove, as
 * dockerd serves them to a manager's CLI. A secret's data never leaves the managers through this
 * API; a config's does (Docker shows it).
 */
public final class PayloadRoutes<T extends StoredObject> {
    /** What {@code docker secret create} and {@code docker config create} send (the spec; Data base64). */
    record SpecRequest(String name, Map<String, String> labels, byte[] data, Driver driver, Driver templating) {
        PayloadControl.Fields fields() {
            return new PayloadControl.Fields(name, labels, data, driver, templating);
        }
    }

    private final String path;
    private final Function<ControlApi, PayloadControl<T>> family;
    private final Supplier<ControlApi> control;
    private final Function<T, T> shown;

    private PayloadRoutes(String path, Supplier<ControlApi> control, Function<ControlApi, PayloadControl<T>> family,
                          Function<T, T> shown) {
        this.path = path;
        this.control = control;
        this.family = family;
        this.shown = shown;
    }

    /** @param control the control API of this node's manager, or Docker's refusal on a worker */
    public static PayloadRoutes<Secret> secrets(Supplier<ControlApi> control) {
        return new PayloadRoutes<>("/secrets", control, ControlApi::secrets, s -> new Secret(s.id(), s.version(),
                s.createdAt(), s.updatedAt(), new Secret.Spec(s.spec().name(), s.spec().labels(), null, s.spec().driver(),
                s.spec().templating())));
    }

    public static PayloadRoutes<Config> configs(Supplier<ControlApi> control) {
        return new PayloadRoutes<>("/configs", control, ControlApi::configs, c -> c);
    }

    public void register(Router r) {
        r.add("GET", path, this::list);
        r.add("POST", path + "/create", req -> {
            String id = payloads().create(req.json(SpecRequest.class).fields());
            return Router.Reply.json(201, Json.MAPPER.createObjectNode().put("ID", id));
        });
        r.add("GET", path + "/{id}", req -> shown.apply(payloads().get(req.param("id"))));
        r.add("POST", path + "/{id}/update", req -> {
            long version = req.queryLong("version");
            payloads().update(req.param("id"), version, req.json(SpecRequest.class).fields());
            return Router.Reply.empty(200);
        });
        r.add("DELETE", path + "/{id}", req -> {
            payloads().remove(req.param("id"));
            return Router.Reply.empty(204);
        });
    }

    private PayloadControl<T> payloads() {
        return family.apply(control.get());
    }

    /** dockerd's filters: {@code names} exact, {@code name} and {@code id} prefixes, {@code label}. */
    private Object list(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("names", "name", "id", "label"));
        return payloads().list(new PayloadControl.Query(f.get("names"), f.get("name"), f.get("id"), f.get("label")))
                .stream().map(shown).toList();
    }
}
