package io.shoal.agent;

import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Task statuses waiting to go to the dispatcher. Only a task's latest status waits (as in
 * swarmkit's reporter): states move forward, so a later one says everything an earlier one did.
 *
 * <p>A status waits a little for others, so that they go in one batch (one Raft write). The states
 * a task passes through on its way to running (accepted, preparing, ready, starting) wait longer:
 * a container usually gets to RUNNING within that time, and then only RUNNING is sent, where the
 * four reports would each have cost a Raft write on the managers, on the very CPUs that runc is
 * starting the container with. A state a task stays in, or ends in, goes out promptly.
 */
final class StatusQueue {
    /** How long a status a task may stay in (running, or an end) waits for others. */
    private static final long SETTLED_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    /** How long a state a task passes through waits for the next one. */
    private static final long PASSING_LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private record Pending(TaskStatus status, long dueNanos) {}

    private final Map<String, Pending> pending = new LinkedHashMap<>(); // guarded by this
    private final long settledLingerNanos;
    private final long passingLingerNanos;

    StatusQueue() {
        this(SETTLED_LINGER_NANOS, PASSING_LINGER_NANOS);
    }

    StatusQueue(long settledLingerNanos, long passingLingerNanos) {
        this.settledLingerNanos = settledLingerNanos;
        this.passingLingerNanos = passingLingerNanos;
    }

    synchronized void offer(String taskId, TaskStatus status) {
        Pending old = pending.get(taskId);
        if (old != null && !status.state().isAfter(old.status().state())) return;
        long due = System.nanoTime() + (isPassing(status.state()) ? passingLingerNanos : settledLingerNanos);
        // A newer state never waits longer than the one it replaces was to.
        if (old != null && old.dueNanos() - due < 0) due = old.dueNanos();
        pending.put(taskId, new Pending(status, due));
        notifyAll();
    }

    /** Waits until some status is due, then returns every waiting one as one batch. */
    synchronized List<TaskStatusUpdate> take() throws InterruptedException {
        for (;;) {
            if (pending.isEmpty()) {
                wait();
                continue;
            }
            long left = earliestDue() - System.nanoTime();
            if (left <= 0) break;
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        List<TaskStatusUpdate> batch = new ArrayList<>(pending.size());
        pending.forEach((id, p) -> batch.add(new TaskStatusUpdate(id, p.status())));
        pending.clear();
        return batch;
    }

    /** Of the waiting statuses (there is one at least); nanoTime values compare by their difference. */
    private long earliestDue() {
        Iterator<Pending> it = pending.values().iterator();
        long min = it.next().dueNanos();
        while (it.hasNext()) {
            long due = it.next().dueNanos();
            if (due - min < 0) min = due;
        }
        return min;
    }

    private static boolean isPassing(TaskState state) {
        return state == TaskState.ACCEPTED || state == TaskState.PREPARING || state == TaskState.READY || state == TaskState.STARTING;
    }
}
