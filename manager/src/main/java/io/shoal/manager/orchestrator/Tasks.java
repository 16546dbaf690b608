package io.shoal.manager.orchestrator;

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

    public static boolean isReplicated(Service s) {
        return s.spec().mode() != null && s.spec().mode().replicated() != null;
    }

    public static boolean isGlobal(Service s) {
        return s.spec().mode() != null && s.spec().mode().global() != null;
    }

    public static long replicas(Service s) {
        Long r = s.spec().mode().replicated().replicas();
        return r == null ? 1 : r;
    }
}
