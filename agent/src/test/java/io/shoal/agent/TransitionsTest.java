package io.shoal.agent;

import static io.shoal.api.TaskState.ACCEPTED;
import static io.shoal.api.TaskState.ASSIGNED;
import static io.shoal.api.TaskState.COMPLETE;
import static io.shoal.api.TaskState.FAILED;
import static io.shoal.api.TaskState.NEW;
import static io.shoal.api.TaskState.ORPHANED;
import static io.shoal.api.TaskState.PENDING;
import static io.shoal.api.TaskState.PREPARING;
import static io.shoal.api.TaskState.READY;
import static io.shoal.api.TaskState.REJECTED;
import static io.shoal.api.TaskState.REMOVE;
import static io.shoal.api.TaskState.RUNNING;
import static io.shoal.api.TaskState.SHUTDOWN;
import static io.shoal.api.TaskState.STARTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.agent.Transitions.Action;
import io.shoal.agent.Transitions.ProcessState;
import io.shoal.agent.exec.Exit;
import io.shoal.api.TaskState;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The task state machine as a table: (observed state, desired state, what is known of the process) → the next step. */
class TransitionsTest {
    static final ProcessState NOT_STARTED = new ProcessState.NotStarted();
    static final ProcessState WAITING = new ProcessState.Running();
    static final ProcessState EXIT_0 = new ProcessState.Exited(new Exit(0, false));
    static final ProcessState EXIT_3 = new ProcessState.Exited(new Exit(3, false));
    static final ProcessState OOM = new ProcessState.Exited(new Exit(137, true));
    static final ProcessState BROKEN = new ProcessState.Failed("boom");
    static final List<ProcessState> PROCESSES = List.of(NOT_STARTED, WAITING, EXIT_0, EXIT_3, OOM, BROKEN);

    static final Action NOTHING = new Action.Nothing();
    static final Action PREPARE = new Action.Prepare();
    static final Action START = new Action.Start();
    static final Action AWAIT = new Action.AwaitExit();
    static final Action SHUT_DOWN = new Action.Shutdown(false);
    static final Action SHUT_DOWN_AFTER_AWAIT = new Action.Shutdown(true);

    static Action report(TaskState state, String message) {
        return new Action.Report(state, message, null, null);
    }

    static Action failed(TaskState state, String error, Integer code) {
        return new Action.Report(state, error, error, code);
    }

    static Arguments row(TaskState state, TaskState desired, ProcessState process, Action expected) {
        return Arguments.of(state, desired, process, expected);
    }

    static Stream<Arguments> table() {
        String oom = "task: non-zero exit (137): the container ran out of memory (OOM killed)";
        return Stream.of(
                // Towards RUNNING, one state at a time.
                row(NEW, RUNNING, NOT_STARTED, report(ACCEPTED, "accepted")),
                row(PENDING, RUNNING, NOT_STARTED, report(ACCEPTED, "accepted")),
                row(ASSIGNED, RUNNING, NOT_STARTED, report(ACCEPTED, "accepted")),
                row(ACCEPTED, RUNNING, NOT_STARTED, report(PREPARING, "preparing")),
                row(PREPARING, RUNNING, NOT_STARTED, PREPARE),
                row(READY, RUNNING, NOT_STARTED, report(STARTING, "starting")),
                row(STARTING, RUNNING, NOT_STARTED, START),
                row(RUNNING, RUNNING, NOT_STARTED, AWAIT),
                row(RUNNING, RUNNING, WAITING, NOTHING),
                row(RUNNING, RUNNING, EXIT_0, new Action.Report(COMPLETE, "finished", null, 0)),
                row(RUNNING, RUNNING, EXIT_3, failed(FAILED, "task: non-zero exit (3)", 3)),
                row(RUNNING, RUNNING, OOM, failed(FAILED, oom, 137)),

                // A controller error: REJECTED before STARTING, FAILED from then on.
                row(NEW, RUNNING, BROKEN, failed(REJECTED, "boom", null)),
                row(ACCEPTED, RUNNING, BROKEN, failed(REJECTED, "boom", null)),
                row(PREPARING, RUNNING, BROKEN, failed(REJECTED, "boom", null)),
                row(READY, RUNNING, BROKEN, failed(REJECTED, "boom", null)),
                row(STARTING, RUNNING, BROKEN, failed(FAILED, "boom", null)),
                row(RUNNING, RUNNING, BROKEN, failed(FAILED, "boom", null)),
                row(PREPARING, SHUTDOWN, BROKEN, failed(REJECTED, "boom", null)),
                row(RUNNING, SHUTDOWN, BROKEN, failed(FAILED, "boom", null)),

                // Desired READY, a restart waiting out its delay: prepared, not started.
                row(NEW, READY, NOT_STARTED, report(ACCEPTED, "accepted")),
                row(ACCEPTED, READY, NOT_STARTED, report(PREPARING, "preparing")),
                row(PREPARING, READY, NOT_STARTED, PREPARE),
                row(READY, READY, NOT_STARTED, NOTHING),

                // Past the desired state: wait, never back.
                row(ACCEPTED, ASSIGNED, NOT_STARTED, NOTHING),
                row(READY, PREPARING, NOT_STARTED, NOTHING),
                row(STARTING, READY, NOT_STARTED, NOTHING),
                row(RUNNING, READY, NOT_STARTED, NOTHING),
                row(RUNNING, READY, EXIT_0, NOTHING),
                row(NEW, NEW, NOT_STARTED, NOTHING),

                // Desired SHUTDOWN: stop what may run; once it ran, wait for it first to learn its exit code.
                row(NEW, SHUTDOWN, NOT_STARTED, SHUT_DOWN),
                row(PENDING, SHUTDOWN, NOT_STARTED, SHUT_DOWN),
                row(ASSIGNED, SHUTDOWN, NOT_STARTED, SHUT_DOWN),
                row(ACCEPTED, SHUTDOWN, NOT_STARTED, SHUT_DOWN),
                row(PREPARING, SHUTDOWN, NOT_STARTED, SHUT_DOWN),
                row(READY, SHUTDOWN, NOT_STARTED, SHUT_DOWN),
                row(STARTING, SHUTDOWN, NOT_STARTED, SHUT_DOWN_AFTER_AWAIT),
                row(RUNNING, SHUTDOWN, NOT_STARTED, SHUT_DOWN_AFTER_AWAIT),
                row(RUNNING, SHUTDOWN, WAITING, SHUT_DOWN),
                // ... unless it has ended by itself: then that is what is reported.
                row(RUNNING, SHUTDOWN, EXIT_0, new Action.Report(COMPLETE, "finished", null, 0)),
                row(RUNNING, SHUTDOWN, EXIT_3, failed(FAILED, "task: non-zero exit (3)", 3)),

                // Desired REMOVE (and any later state) is a shutdown too.
                row(NEW, REMOVE, NOT_STARTED, SHUT_DOWN),
                row(READY, REMOVE, NOT_STARTED, SHUT_DOWN),
                row(STARTING, REMOVE, NOT_STARTED, SHUT_DOWN_AFTER_AWAIT),
                row(RUNNING, REMOVE, WAITING, SHUT_DOWN),
                row(RUNNING, REMOVE, EXIT_3, failed(FAILED, "task: non-zero exit (3)", 3)),
                row(RUNNING, FAILED, WAITING, SHUT_DOWN),
                row(RUNNING, ORPHANED, NOT_STARTED, SHUT_DOWN_AFTER_AWAIT),

                // A terminal task does nothing more, whatever is asked or known.
                row(COMPLETE, RUNNING, EXIT_0, NOTHING),
                row(COMPLETE, SHUTDOWN, NOT_STARTED, NOTHING),
                row(FAILED, REMOVE, BROKEN, NOTHING),
                row(REJECTED, RUNNING, NOT_STARTED, NOTHING),
                row(SHUTDOWN, SHUTDOWN, WAITING, NOTHING),
                row(SHUTDOWN, RUNNING, EXIT_3, NOTHING),
                row(ORPHANED, RUNNING, NOT_STARTED, NOTHING),
                row(REMOVE, REMOVE, NOT_STARTED, NOTHING));
    }

    @ParameterizedTest(name = "{0} desired {1}, process {2} -> {3}")
    @MethodSource("table")
    void nextStep(TaskState state, TaskState desired, ProcessState process, Action expected) {
        assertEquals(expected, Transitions.next(state, desired, process));
    }

    @Test
    void whatFollowsAControllerCall() {
        assertEquals(report(READY, "prepared"), Transitions.PREPARED);
        assertEquals(report(RUNNING, "started"), Transitions.STARTED);
        assertEquals(new Action.Report(SHUTDOWN, "shutdown", null, 143), Transitions.shutDown(143));
        assertEquals(report(SHUTDOWN, "shutdown"), Transitions.shutDown(null));
    }

    /** Over every combination: no report goes back or stays, a terminal task does nothing, controller calls come in their states. */
    @Test
    void statesOnlyMoveForward() {
        List<String> wrong = new ArrayList<>();
        for (TaskState state : TaskState.values()) {
            for (TaskState desired : TaskState.values()) {
                for (ProcessState process : PROCESSES) {
                    Action a = Transitions.next(state, desired, process);
                    String at = state + " desired " + desired + " with " + process + ": " + a;
                    if (state.isTerminal() && !a.equals(NOTHING)) wrong.add(at);
                    if (a instanceof Action.Report r && !r.state().isAfter(state)) wrong.add(at);
                    if (a instanceof Action.Prepare && state != PREPARING) wrong.add(at);
                    if (a instanceof Action.Start && state != STARTING) wrong.add(at);
                    if (a instanceof Action.AwaitExit && state != RUNNING) wrong.add(at);
                    if (a instanceof Action.Shutdown && desired.isBefore(SHUTDOWN)) wrong.add(at);
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
    }
}
