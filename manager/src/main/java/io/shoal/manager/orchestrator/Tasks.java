package io.shoal.manager.orchestrator;

import io.shoal.api.Ids;
import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.Version;
import io.shoal.store.ReadTx;
import java.time.Instant;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/** How orchestrators make a task for a service, and what they read about the nodes of its tasks. */
public final class Tasks {
    private Tasks() {}

    /**
     * A new task in {@code slot} (replicated) or on {@code nodeId} (global), made from the
     * service's current spec and endpoint; a job's task belongs to the job's current iteration.
     */
    public static Task newTask(Service service, long slot, String nodeId, TaskState desired, Instant now) {
        Version iteration = service.jobStatus() == null ? null : service.jobStatus().jobIteration();
        return new Task(Ids.newId(), Version.NONE, null, null, null, null, service.spec().taskTemplate(),
                service.id(), slot, nodeId, TaskStatus.of(TaskState.NEW, "created", now), desired, null, iteration,
                service.endpoint());
    }

    /** Belongs to the job's current iteration (every task of a service that is not a job does). */
    public static boolean ofCurrentRun(Task t, Service service) {
        return service.jobStatus() == null
                || t.jobIteration() != null && t.jobIteration().index() == service.jobStatus().iteration();
    }

    /**
     * Made from the service's current task template and endpoint spec: a task that is not (swarmkit's
     * dirty task) is replaced by an update. A task without an endpoint is judged by its spec alone.
     */
    public static boolean isCurrent(Task t, Service service) {
        if (!t.spec().equals(service.spec().taskTemplate())) return false;
        return t.endpoint() == null
                || Objects.equals(t.endpoint().spec(), service.endpoint() == null ? null : service.endpoint().spec());
    }

    /**
     * The ids of the down nodes among those holding these tasks: a slot does not wait for a task
     * there to stop (see {@link Slot#hasStopping}).
     */
    public static Set<String> downNodes(ReadTx r, Collection<Task> tasks) {
        return tasks.stream().map(Task::nodeId).filter(Objects::nonNull).distinct()
                .filter(id -> r.node(id) instanceof Node n && n.isDown()).collect(Collectors.toSet());
    }

    /** The services with a task on this node: those a change of the node may concern. */
    public static Set<String> servicesOnNode(ReadTx r, String nodeId) {
        return r.tasksOfNode(nodeId).stream().map(Task::serviceId).collect(Collectors.toSet());
    }
}
