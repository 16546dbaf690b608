package io.shoal.manager.orchestrator.restart;

import io.shoal.api.RestartCondition;
import io.shoal.api.NodeState;
import io.shoal.api.NodeAvailability;
import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static io.shoal.manager.orchestrator.Harness.withRestart;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The restart supervisor running against a real store, in virtual time: after each step the test
 * waits for it to be idle and looks. The test makes the service's tasks itself and plays the
 * agent, so that every task in the store was put there by the test or the supervisor.
 */
class RestartSupervisorTest {
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);

    @BeforeEach
    void start() {
        h.addNode(newNode("n1"));
        h.addNode(newNode("n2"));
        h.start(new RestartSupervisor(h.store, h.clock, h.ticker));
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    /** A service of one replica whose slot-1 task runs on n1. */
    private Task runningTask(RestartCondition condition, long delayNanos, Long maxAttempts) {
        String id = h.api.services().create(replicated("web", withRestart(template("app:1"), condition, delayNanos, maxAttempts), 1));
        Service s = h.service(id);
        Task t = Tasks.newTask(s, 1, null, TaskState.RUNNING, h.clock.instant());
        h.create(t);
        return h.report(t.id(), TaskState.RUNNING, "n1");
    }

    /** Once the supervisor is idle, {@code old} has been retired: returns the runnable task of its slot, or null. */
    private Task afterRetired(Task old) {
        time.settle();
        assertEquals(TaskState.SHUTDOWN, h.task(old.id()).desiredState(), "task " + old.id() + " told to stop");
        // The supervisor writes the old task's desired state and its replacement in one batch.
        List<Task> runnable = h.runnable(old.serviceId());
        assertTrue(runnable.size() <= 1, Harness.brief(runnable));
        return runnable.isEmpty() ? null : runnable.getFirst();
    }

    @Test
    void conditionAnyReplacesAnEndedTaskInTheSameSlot() {
        Task first = runningTask(RestartCondition.ANY, 0, null);
        h.exit(first.id(), 0);
        Task second = afterRetired(first);
        assertEquals(1, second.slot());
        assertEquals(TaskState.RUNNING, second.desiredState());
        assertEquals(TaskState.NEW, second.state());
        assertNull(second.nodeId(), "a replicated replacement is scheduled afresh");

        h.report(second.id(), TaskState.RUNNING, "n2");
        h.exit(second.id(), 137);
        Task third = afterRetired(second);
        assertEquals(1, third.slot());
        assertEquals(3, h.tasks(first.serviceId()).size());
    }

    @Test
    void aDelayedReplacementWaitsReadyThenRuns() {
        Duration delay = Duration.ofSeconds(5);
        Task first = runningTask(RestartCondition.ANY, delay.toNanos(), null);
        h.exit(first.id(), 1);
        Task second = afterRetired(first);
        assertEquals(TaskState.READY, second.desiredState(), "held at READY during the delay");

        time.advance(delay.minusNanos(1));
        // Its agent reports it prepared just then: the pass that wakes is still too early to promote it.
        h.report(second.id(), TaskState.READY, "n2");
        time.settle();
        assertEquals(TaskState.READY, h.task(second.id()).desiredState(), "not promoted before the delay is over");
        time.advance(Duration.ofNanos(1));
        Task promoted = h.task(second.id());
        assertEquals(TaskState.RUNNING, promoted.desiredState(), "promoted once the delay is over");
        assertEquals(second.createdAt().plus(delay), promoted.updatedAt());
    }

    @Test
    void onFailureDoesNotRestartASuccessfulExit() {
        Task first = runningTask(RestartCondition.ON_FAILURE, 0, null);
        h.exit(first.id(), 0);
        assertNull(afterRetired(first), "exit 0 is not a failure");
        assertEquals(1, h.tasks(first.serviceId()).size());
    }

    @Test
    void onFailureRestartsAFailure() {
        Task first = runningTask(RestartCondition.ON_FAILURE, 0, null);
        h.exit(first.id(), 2);
        Task second = afterRetired(first);
        assertEquals(1, second.slot());
    }

    @Test
    void maxAttemptsTwoStopsAfterThreeRuns() {
        Task t = runningTask(RestartCondition.ANY, 0, 2L);
        for (int run = 1; run <= 3; run++) {
            h.exit(t.id(), 1);
            Task next = afterRetired(t);
            if (run < 3) {
                assertTrue(next != null, "run " + run + " is restarted");
                t = h.report(next.id(), TaskState.RUNNING, "n1");
            } else {
                assertNull(next, "no fourth run: " + Harness.brief(h.tasks(t.serviceId())));
            }
        }
        assertEquals(3, h.tasks(t.serviceId()).size());
    }

    @Test
    void movesTasksOffDrainedDownAndRemovedNodes() {
        Task first = runningTask(RestartCondition.ANY, Duration.ofSeconds(5).toNanos(), null);

        h.setAvailability("n1", NodeAvailability.DRAIN);
        Task second = afterRetired(first);
        assertEquals(1, second.slot());
        assertEquals(TaskState.RUNNING, second.desiredState(), "a move is not delayed by the restart delay");
        assertNull(second.nodeId());

        h.report(second.id(), TaskState.RUNNING, "n2");
        h.setNodeState("n2", NodeState.DOWN);
        Task third = afterRetired(h.task(second.id()));
        assertEquals(1, third.slot());

        h.setAvailability("n1", NodeAvailability.ACTIVE);
        h.report(third.id(), TaskState.RUNNING, "n1");
        h.removeNode("n1");
        Task fourth = afterRetired(h.task(third.id()));
        assertEquals(1, fourth.slot());
        assertEquals(4, h.tasks(first.serviceId()).size());
    }
}
