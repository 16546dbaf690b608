package io.shoal.agent;

import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Task statuses waiting to go to the dispatcher. Only a task's latest status waits (as in
 * swarmkit's reporter): states move forward, so a later one says everything an earlier one did.
 */
final class StatusQueue {
    private final Map<String, TaskStatus> pending = new LinkedHashMap<>(); // guarded by this

    synchronized void offer(String taskId, TaskStatus status) {
        TaskStatus old = pending.get(taskId);
        if (old == null || status.state().isAfter(old.state())) pending.put(taskId, status);
        notifyAll();
    }

    /** Waits for a first status, then {@code linger} more for others, and returns them all as one batch. */
    List<TaskStatusUpdate> take(Duration linger) throws InterruptedException {
        synchronized (this) {
            while (pending.isEmpty()) wait();
        }
        Thread.sleep(linger);
        synchronized (this) {
            List<TaskStatusUpdate> batch = new ArrayList<>(pending.size());
            pending.forEach((id, s) -> batch.add(new TaskStatusUpdate(id, s)));
            pending.clear();
            return batch;
        }
    }
}
