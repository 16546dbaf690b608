package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.daemon.Daemon;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.ReadTx;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** {@code /services}: create, list, inspect, update, remove. */
public final class ServiceRoutes {
    private static final Set<String> MODES = Set.of("Replicated", "Global", "ReplicatedJob", "GlobalJob");
    private final Daemon daemon;

    public ServiceRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    public void register(Router r) {
        r.add("GET", "/services", this::list);
        r.add("POST", "/services/create", this::create);
        r.add("GET", "/services/{id}", req -> daemon.managerView(tx -> ControlApi.service(tx, req.param("id"))));
        r.add("POST", "/services/{id}/update", this::update);
        r.add("DELETE", "/services/{id}", req -> {
            daemon.control().removeService(req.param("id"));
            return Router.Reply.empty(200);
        });
        r.add("GET", "/services/{id}/logs", new LogRoutes(daemon)::serviceLogs);
    }

    private Object list(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("id", "name", "label", "mode"));
        boolean status = req.queryBool("status");
        return daemon.managerView(tx -> tx.services().stream()
                .filter(s -> f.matches("id", v -> s.id().startsWith(v)))
                .filter(s -> f.matches("name", v -> s.spec().name().startsWith(v)))
                .filter(s -> f.matchesLabels("label", s.spec().labels()))
                .filter(s -> f.matches("mode", v -> v.equals(Tasks.isGlobal(s) ? "global" : "replicated")))
                .sorted(Comparator.comparing(Service::createdAt))
                .map(s -> status ? s.withServiceStatus(serviceStatus(tx, s)) : s)
                .toList());
    }

    static Service.ServiceStatus serviceStatus(ReadTx tx, Service s) {
        List<Task> tasks = tx.tasksOfService(s.id());
        long running = tasks.stream().filter(t -> t.isRunnable() && t.state() == TaskState.RUNNING).count();
        long desired = Tasks.isReplicated(s) ? Tasks.replicas(s)
                : tasks.stream().filter(Task::isRunnable).map(Task::nodeId).distinct().count();
        long completed = tasks.stream().filter(t -> t.state() == TaskState.COMPLETE).count();
        return new Service.ServiceStatus(running, desired, completed);
    }

    private Object create(ApiRequest req) {
        ServiceSpec spec = parseSpec(req);
        String id = daemon.control().createService(spec);
        ObjectNode body = Json.MAPPER.createObjectNode().put("ID", id);
        body.putArray("Warnings");
        return Router.Reply.json(201, body);
    }

    private Object update(ApiRequest req) {
        boolean rollback = "previous".equals(req.query("rollback"));
        ServiceSpec spec = rollback && req.body().length == 0 ? null : parseSpec(req);
        daemon.control().updateService(req.param("id"), req.queryLong("version"), spec, rollback);
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.putArray("Warnings");
        return body;
    }

    /** The spec of the body; a mode Docker does not know is refused rather than ignored. */
    private static ServiceSpec parseSpec(ApiRequest req) {
        JsonNode tree = req.jsonTree();
        if (!tree.isObject()) throw ApiException.invalid("invalid JSON: the service spec must be an object");
        JsonNode mode = tree.get("Mode");
        if (mode != null && !mode.isNull()) {
            if (!mode.isObject()) throw ApiException.invalid("invalid mode: must be an object");
            mode.fieldNames().forEachRemaining(k -> {
                if (!MODES.contains(k)) throw ApiException.invalid("invalid mode: unknown service mode %s", k);
            });
        }
        return req.json(ServiceSpec.class);
    }
}
