package io.shoal.manager.orchestrator.jobs;

import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.template;
import static io.shoal.manager.orchestrator.Harness.withRestart;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.NodeAvailability;
import io.shoal.api.NodeState;
import io.shoal.api.RestartCondition;
import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.restart.RestartSupervisor;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Passes of the job orchestrators and the restart supervisor against a real store. */
class JobOrchestratorTest {
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);
    private final ReplicatedJobOrchestrator replicated = new ReplicatedJobOrchestrator(h.store, h.clock, h.ticker);
    private final GlobalJobOrchestrator global = new GlobalJobOrchestrator(h.store, h.clock, h.ticker);
    private final RestartSupervisor restarts = new RestartSupervisor(h.store, h.clock, h.ticker);

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private static ServiceSpec job(String name, TaskSpec template, ServiceMode mode) {
        return new ServiceSpec(name, null, template, mode, null, null, null, null);
    }

    private static TaskSpec onFailureNow() {
        return withRestart(template("app:1"), RestartCondition.ON_FAILURE, 0L, null);
    }

    private List<Task> inProgress(String id) {
        return h.tasks(id).stream().filter(t -> t.isRunnable() && !t.state().isTerminal()).toList();
    }

    private long completed(String id) {
        return h.tasks(id).stream().filter(t -> t.state() == TaskState.COMPLETE).count();
    }

    @Test
    void replicatedJobRunsTotalCompletionsAtMostMaxConcurrentAtOnce() {
        String id = h.api.services().create(job("batch", onFailureNow(), new ServiceMode.ReplicatedJob(2, 5)));
        assertEquals(0, h.service(id).jobStatus().iteration());
        int rounds = 0;
        while (completed(id) < 5) {
            replicated.reconcile();
            List<Task> running = inProgress(id);
            assertTrue(running.size() <= 2, Harness.brief(h.tasks(id)));
            assertTrue(running.stream().allMatch(t -> t.desiredState() == TaskState.COMPLETE
                    && t.jobIteration() != null && t.jobIteration().index() == 0), Harness.brief(running));
            // Every other round one task fails once; the restart supervisor replaces it in its slot.
            Task first = running.getFirst();
            h.exit(first.id(), rounds++ % 2 == 0 ? 1 : 0);
            restarts.reconcile();
            assertTrue(rounds < 20, "no end: " + Harness.brief(h.tasks(id)));
        }
        replicated.reconcile();
        restarts.reconcile();
        List<Task> tasks = h.tasks(id);
        assertEquals(5, completed(id), Harness.brief(tasks));
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), tasks.stream().filter(t -> t.state() == TaskState.COMPLETE)
                .map(Task::slot).sorted().toList(), "one completion per slot");
        assertTrue(inProgress(id).isEmpty(), Harness.brief(tasks));
        assertTrue(tasks.stream().filter(t -> t.state() == TaskState.COMPLETE)
                .allMatch(t -> t.desiredState() == TaskState.COMPLETE), "a finished task is the job's result, left as is");
    }

    @Test
    void aSlotWhoseRestartPolicyGaveUpIsNotRunAgain() {
        TaskSpec once = withRestart(template("app:1"), RestartCondition.NONE, 0L, null);
        String id = h.api.services().create(job("batch", once, new ServiceMode.ReplicatedJob(1, 2)));
        replicated.reconcile();
        h.exit(inProgress(id).getFirst().id(), 3);
        restarts.reconcile();
        replicated.reconcile();
        List<Task> tasks = h.tasks(id);
        assertEquals(2, tasks.size(), Harness.brief(tasks));
        assertEquals(1, inProgress(id).getFirst().slot(), "the next slot, not the failed one again");
    }

    @Test
    void anUpdateStartsANewIterationAndRetiresTheOldOne() {
        String id = h.api.services().create(job("batch", onFailureNow(), new ServiceMode.ReplicatedJob(2, 2)));
        replicated.reconcile();
        List<Task> first = inProgress(id);
        h.exit(first.get(0).id(), 0);
        h.report(first.get(1).id(), TaskState.RUNNING, "n1");

        Service s = h.service(id);
        h.api.services().update(id, s.version().index(), s.spec(), false);
        assertEquals(1, h.service(id).jobStatus().iteration());
        replicated.reconcile();

        Task done = h.task(first.get(0).id());
        Task stopping = h.task(first.get(1).id());
        assertEquals(TaskState.SHUTDOWN, done.desiredState(), "the earlier run's result becomes history");
        assertEquals(TaskState.SHUTDOWN, stopping.desiredState(), "the earlier run's task is stopped");
        List<Task> fresh = inProgress(id).stream().filter(Task::isRunnable).toList();
        assertEquals(2, fresh.size(), Harness.brief(h.tasks(id)));
        assertTrue(fresh.stream().allMatch(t -> t.jobIteration().index() == 1));
    }

    @Test
    void globalJobRunsOnceOnEveryEligibleNodeThatExistedWhenItBegan() {
        h.addNode(newNode("n1"));
        h.addNode(newNode("n2"));
        h.addNode(newNode("n3"));
        h.setNodeState("n3", NodeState.DOWN);
        h.addNode(newNode("n4"));
        h.setAvailability("n4", NodeAvailability.DRAIN);
        time.advance(Duration.ofSeconds(1));
        String id = h.api.services().create(job("once", onFailureNow(), new ServiceMode.GlobalJob()));
        global.reconcile();
        List<Task> tasks = inProgress(id);
        assertEquals(List.of("n1", "n2"), tasks.stream().map(Task::nodeId).sorted().toList());

        h.exit(tasks.get(0).id(), 0);
        h.exit(tasks.get(1).id(), 1);
        restarts.reconcile();
        global.reconcile();
        List<Task> after = h.tasks(id);
        assertEquals(3, after.size(), "the failed node's task was replaced once: " + Harness.brief(after));
        Task again = inProgress(id).getFirst();
        assertEquals(tasks.get(1).nodeId(), again.nodeId());

        time.advance(Duration.ofSeconds(1));
        h.addNode(newNode("n5"));
        global.reconcile();
        assertEquals(3, h.tasks(id).size(), "a node that joined after the run began waits for the next run");

        time.advance(Duration.ofSeconds(1));
        Service s = h.service(id);
        h.api.services().update(id, s.version().index(), s.spec(), false);
        global.reconcile();
        assertEquals(List.of("n1", "n2", "n5"), inProgress(id).stream().map(Task::nodeId).sorted().toList());
    }
}
