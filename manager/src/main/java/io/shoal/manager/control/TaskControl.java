package io.shoal.manager.control;

import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Tasks as users look at them (swarmkit's controlapi task.go); only orchestrators write them. */
public final class TaskControl {
    private final Store store;

    TaskControl(Store store) {
        this.store = store;
    }

    /**
     * Which tasks a list shows. Services and nodes are named as users name them (id, id prefix,
     * service name, node hostname); a desired state of RUNNING also takes tasks waiting out a
     * restart delay (desired READY), SHUTDOWN any desired state past running; {@code upToDate}
     * keeps the tasks made from their service's current spec.
     */
    public record Query(List<String> idPrefixes, List<String> namePrefixes, List<String> services, List<String> nodes,
                        List<TaskState> desiredStates, List<String> labels, boolean upToDate) {}

    public Task get(String ref) {
        return store.view(r -> Refs.task(r, ref));
    }

    public List<Task> list(Query q) {
        return store.view(r -> r.tasks().stream()
                .filter(t -> Selector.any(q.idPrefixes(), t.id()::startsWith))
                .filter(t -> Selector.any(q.services(), ref -> isOfService(r, t, ref)))
                .filter(t -> Selector.any(q.nodes(), ref -> isOnNode(r, t, ref)))
                .filter(t -> Selector.any(q.namePrefixes(), name(r, t)::startsWith))
                .filter(t -> q.desiredStates() == null || q.desiredStates().isEmpty()
                        || q.desiredStates().stream().anyMatch(d -> isDesired(t, d)))
                .filter(t -> Selector.labels(q.labels(), serviceLabels(r, t)))
                .filter(t -> !q.upToDate() || isUpToDate(r, t))
                .sorted(Comparator.comparing(Task::createdAt))
                .toList());
    }

    /**
     * The labels a task's label filter matches: its service's (swarmkit's ServiceAnnotations), as
     * {@code docker stack ps} finds a stack's tasks by their service's namespace label; a task
     * whose service is gone keeps only its own.
     */
    private static Map<String, String> serviceLabels(ReadTx r, Task t) {
        var service = r.service(t.serviceId());
        return service != null ? service.spec().labels() : t.labels();
    }

    /** The tasks of one service, as its logs gather them. */
    public List<Task> ofService(String serviceId) {
        return store.view(r -> r.tasksOfService(serviceId));
    }

    private static boolean isOfService(ReadTx r, Task t, String ref) {
        if (t.serviceId().startsWith(ref)) return true;
        Service s = r.service(t.serviceId());
        return s != null && s.spec().name().equals(ref);
    }

    private static boolean isOnNode(ReadTx r, Task t, String ref) {
        if (t.nodeId() == null) return false;
        if (t.nodeId().startsWith(ref)) return true;
        Node n = r.node(t.nodeId());
        return n != null && ref.equals(n.hostname());
    }

    private static boolean isDesired(Task t, TaskState wanted) {
        return switch (wanted) {
            case RUNNING -> t.desiredState() == TaskState.RUNNING || t.desiredState() == TaskState.READY;
            case SHUTDOWN -> t.desiredState().isAfter(TaskState.RUNNING);
            default -> t.desiredState() == wanted;
        };
    }

    /** Docker's task name: service.slot for a slot of a service, service.node for a task per node. */
    private static String name(ReadTx r, Task t) {
        Service s = r.service(t.serviceId());
        String service = s == null ? t.serviceId() : s.spec().name();
        return service + "." + (t.slot() > 0 ? Long.toString(t.slot()) : t.nodeId());
    }

    /** Made from the service's current spec and endpoint: what the CLI's progress display waits for. */
    private static boolean isUpToDate(ReadTx r, Task t) {
        return r.service(t.serviceId()) instanceof Service s && Tasks.isCurrent(t, s);
    }
}
