package io.shoal.manager.orchestrator;

import io.shoal.api.Node;
import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;
import io.shoal.api.Ids;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.Version;
import java.time.Instant;

/** How orchestrators make a task for a service. */
public final class Tasks {
    private Tasks() {}

    /** A new task in {@code slot} (replicated) or on {@code nodeId} (global), made from the service's current spec. */
    public static Task newTask(Service service, long slot, String nodeId, TaskState desired, Instant now) {
        return new Task(Ids.newId(), Version.NONE, null, null, null, null, service.spec().taskTemplate(),
                service.id(), slot, nodeId, TaskStatus.of(TaskState.NEW, "created", now), desired, null, null);
    }

    /** The ids of the nodes that are down, whose tasks a slot does not wait for (see {@link Slot#hasStopping}). */
    public static Set<String> downNodes(Collection<Node> nodes) {
        return nodes.stream().filter(Node::isDown).map(Node::id).collect(Collectors.toSet());
    }
}
