package io.shoal.agent;

import static io.shoal.api.TaskState.ACCEPTED;
import static io.shoal.api.TaskState.COMPLETE;
import static io.shoal.api.TaskState.FAILED;
import static io.shoal.api.TaskState.PREPARING;
import static io.shoal.api.TaskState.READY;
import static io.shoal.api.TaskState.REJECTED;
import static io.shoal.api.TaskState.RUNNING;
import static io.shoal.api.TaskState.SHUTDOWN;
import static io.shoal.api.TaskState.STARTING;

import io.shoal.agent.exec.Exit;
import io.shoal.api.TaskState;

/**
 * A task's next step towards its desired state, as swarmkit's exec.Do decides it, without doing
 * it: a function of the state last reported, the desired state and what is known of the task's
 * process. {@link TaskRunner} does the steps.
 *
 * <p>The rules: a task in a terminal state does nothing more. A controller error ends the task:
 * REJECTED before STARTING, FAILED from then on. A desired state of SHUTDOWN or later reports how
 * the process ended if it has, else shuts it down. A state past the desired one waits (a task
 * never goes back). Else the task moves one state on: NEW, PENDING and ASSIGNED to ACCEPTED,
 * ACCEPTED to PREPARING, PREPARING prepares and then is READY, READY to STARTING (unless READY is
 * the desired state: a restart that waits out its delay), STARTING starts and then is RUNNING,
 * RUNNING waits for the exit: COMPLETE for 0, FAILED for any other code.
 */
final class Transitions {
    private Transitions() {}

    /** What is known of the task's process. */
    sealed interface ProcessState {
        /** Not waited for: not started, or started before this runner (by an earlier daemon, say). */
        record NotStarted() implements ProcessState {}

        /** Waited for on a thread of its own, and not ended yet. */
        record Running() implements ProcessState {}

        record Exited(Exit exit) implements ProcessState {}

        /** The controller failed: preparing, starting, stopping the task, or learning how it ended. */
        record Failed(String error) implements ProcessState {}
    }

    /** What the runner does next. */
    sealed interface Action {
        /** Nothing until the task changes or its process exits. */
        record Nothing() implements Action {}

        /** Reports a new state (and ends the capture of the task's output when it is terminal). */
        record Report(TaskState state, String message, String error, Integer exitCode) implements Action {}

        /** Prepares the task, then reports {@link #PREPARED}. */
        record Prepare() implements Action {}

        /** Starts the task, then reports {@link #STARTED}. */
        record Start() implements Action {}

        /** Captures the task's output and waits for its process to exit, on a thread of its own. */
        record AwaitExit() implements Action {}

        /**
         * Stops the task, then reports {@link #shutDown}. With {@code awaitExitFirst} it first
         * waits for the process on a thread of its own, as the exit code goes into that report.
         */
        record Shutdown(boolean awaitExitFirst) implements Action {}
    }

    static final Action NOTHING = new Action.Nothing();
    static final Action.Report PREPARED = new Action.Report(READY, "prepared", null, null);
    static final Action.Report STARTED = new Action.Report(RUNNING, "started", null, null);

    /** The report after a shutdown: the exit code when the process was started, else null. */
    static Action.Report shutDown(Integer exitCode) {
        return new Action.Report(SHUTDOWN, "shutdown", null, exitCode);
    }

    static Action next(TaskState state, TaskState desired, ProcessState process) {
        if (state.isTerminal()) return NOTHING;
        if (process instanceof ProcessState.Failed f) return failed(state, f.error());
        if (!desired.isBefore(SHUTDOWN)) {
            if (process instanceof ProcessState.Exited x) return exited(x.exit());
            return new Action.Shutdown(!state.isBefore(STARTING) && process instanceof ProcessState.NotStarted);
        }
        if (state.isAfter(desired)) return NOTHING;
        if (state == PREPARING) return new Action.Prepare();
        if (state == STARTING) return new Action.Start();
        if (state == RUNNING) {
            if (process instanceof ProcessState.NotStarted) return new Action.AwaitExit();
            if (process instanceof ProcessState.Exited x) return exited(x.exit());
            return NOTHING; // until it exits
        }
        if (!state.isBefore(desired)) return NOTHING;
        return switch (state) {
            case NEW, PENDING, ASSIGNED -> new Action.Report(ACCEPTED, "accepted", null, null);
            case ACCEPTED -> new Action.Report(PREPARING, "preparing", null, null);
            case READY -> new Action.Report(STARTING, "starting", null, null);
            default -> NOTHING;
        };
    }

    private static Action.Report exited(Exit x) {
        return x.code() == 0
                ? new Action.Report(COMPLETE, "finished", null, 0)
                : new Action.Report(FAILED, x.describe(), x.describe(), x.code());
    }

    private static Action.Report failed(TaskState state, String error) {
        return new Action.Report(state.isBefore(STARTING) ? REJECTED : FAILED, error, error, null);
    }
}
