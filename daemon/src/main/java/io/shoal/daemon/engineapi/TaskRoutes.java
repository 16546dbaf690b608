package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.daemon.Daemon;
import io.shoal.manager.control.ControlApi;
import io.shoal.store.ReadTx;
import java.util.Comparator;
import java.util.Locale;
import java.util.Set;

/** {@code /tasks}: list with filters, inspect. */
public final class TaskRoutes {
    private final Daemon daemon;

    public TaskRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    public void register(Router r) {
        r.add("GET", "/tasks", this::list);
        r.add("GET", "/tasks/{id}", req -> daemon.managerView(tx -> ControlApi.task(tx, req.param("id"))));
        r.add("GET", "/tasks/{id}/logs", new LogRoutes(daemon)::taskLogs);
    }

    private Object list(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("id", "name", "service", "node", "desired-state", "label", "_up-to-date"));
        for (String s : f.get("desired-state")) {
            if (!Set.of("running", "shutdown", "accepted").contains(s.toLowerCase(Locale.ROOT))) {
                throw ApiException.invalid("Invalid task desired state: %s", s);
            }
        }
        return daemon.managerView(tx -> tx.tasks().stream()
                .filter(t -> f.matches("id", v -> t.id().startsWith(v)))
                .filter(t -> f.matches("service", v -> matchesService(tx, t, v)))
                .filter(t -> f.matches("node", v -> matchesNode(tx, t, v)))
                .filter(t -> f.matches("name", v -> name(tx, t).startsWith(v)))
                .filter(t -> f.matches("desired-state", v -> matchesDesired(t, v)))
                .filter(t -> f.matchesLabels("label", t.labels()))
                .filter(t -> !f.has("_up-to-date") || isUpToDate(tx, t))
                .sorted(Comparator.comparing(Task::createdAt))
                .toList());
    }

    private static boolean matchesService(ReadTx tx, Task t, String ref) {
        if (t.serviceId().equals(ref) || t.serviceId().startsWith(ref)) return true;
        Service s = tx.service(t.serviceId());
        return s != null && s.spec().name().equals(ref);
    }

    private static boolean matchesNode(ReadTx tx, Task t, String ref) {
        if (t.nodeId() == null) return false;
        if (t.nodeId().equals(ref) || t.nodeId().startsWith(ref)) return true;
        Node n = tx.node(t.nodeId());
        return n != null && ref.equals(n.hostname());
    }

    private static boolean matchesDesired(Task t, String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "running" -> t.desiredState() == TaskState.RUNNING || t.desiredState() == TaskState.READY;
            case "shutdown" -> t.desiredState().isAfter(TaskState.RUNNING);
            default -> t.desiredState() == TaskState.ACCEPTED;
        };
    }

    /** Docker's task name: service.slot for replicated tasks, service.node for global ones. */
    private static String name(ReadTx tx, Task t) {
        Service s = tx.service(t.serviceId());
        String service = s == null ? t.serviceId() : s.spec().name();
        return service + "." + (t.slot() > 0 ? Long.toString(t.slot()) : t.nodeId());
    }

    /** Made from the service's current spec: what the CLI's progress display waits for. */
    private static boolean isUpToDate(ReadTx tx, Task t) {
        Service s = tx.service(t.serviceId());
        return s != null && t.spec().equals(s.spec().taskTemplate());
    }
}
