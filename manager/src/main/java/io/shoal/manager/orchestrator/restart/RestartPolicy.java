package io.shoal.manager.orchestrator.restart;

import io.shoal.api.Defaults;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.orchestrator.Slot;
import java.time.Instant;

/** The service's restart policy applied to a task that ended: condition, max attempts, window. */
public final class RestartPolicy {
    private RestartPolicy() {}

    /** Ended while still desired to run: exited, failed or was rejected, rather than stopped by a manager. */
    public static boolean endedOnItsOwn(Task t) {
        TaskState s = t.state();
        return s == TaskState.COMPLETE || s == TaskState.FAILED || s == TaskState.REJECTED;
    }

    public static boolean shouldRestart(Task ended, Slot slot, Service service) {
        var policy = Defaults.restartPolicy(service.spec().taskTemplate());
        boolean byCondition = switch (policy.condition()) {
            case NONE -> false;
            case ON_FAILURE -> ended.state() != TaskState.COMPLETE;
            // A job's task that finished is done: "any" means "on failure" for jobs, as in swarmkit.
            case ANY -> ended.state() != TaskState.COMPLETE || !service.mode().isJob();
        };
        if (!byCondition) return false;
        if (policy.maxAttempts() <= 0) return true;
        return attempts(slot, policy.window(), ended.status().timestamp()) <= policy.maxAttempts();
    }

    /** How many tasks of this slot ended on their own within the window (all of them without a window). */
    static long attempts(Slot slot, long windowNanos, Instant now) {
        Instant since = windowNanos > 0 && now != null ? now.minusNanos(windowNanos) : Instant.MIN;
        return slot.tasks().stream()
                .filter(RestartPolicy::endedOnItsOwn)
                .filter(t -> t.status().timestamp() == null || !t.status().timestamp().isBefore(since))
                .count();
    }

    /** The restart delay of a service's tasks, in nanoseconds. */
    public static long delayNanos(Service service) {
        return Defaults.restartPolicy(service.spec().taskTemplate()).delay();
    }

    /** The least number of ended tasks per slot the task reaper must keep so that attempts are counted right. */
    public static long historyNeeded(Service service) {
        long max = Defaults.restartPolicy(service.spec().taskTemplate()).maxAttempts();
        return max > 0 ? max + 1 : 0;
    }
}
