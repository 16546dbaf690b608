package io.shoal.manager.orchestrator.replicated;

import io.shoal.api.RestartCondition;
import io.shoal.api.NodeState;
import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static io.shoal.manager.orchestrator.Harness.withReplicas;
import static io.shoal.manager.orchestrator.Harness.withRestart;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.manager.orchestrator.restart.RestartSupervisor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Passes of the replicated orchestrator, one {@code reconcile()} at a time, against a real store;
 * and the running orchestrator, in virtual time, choosing what to reconcile.
 */
class ReplicatedOrchestratorTest {
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);
    private final ReplicatedOrchestrator orchestrator = new ReplicatedOrchestrator(h.store, h.clock, h.ticker);

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private String create(ServiceSpec spec) {
        String id = h.api.services().create(spec);
        orchestrator.reconcile();
        return id;
    }

    private void scale(String id, long replicas) {
        var s = h.service(id);
        h.api.services().update(id, s.version().index(), withReplicas(s.spec(), replicas), false);
        orchestrator.reconcile();
    }

    private static List<Long> slots(List<Task> tasks) {
        return tasks.stream().map(Task::slot).sorted().toList();
    }

    @Test
    void fillsOneTaskPerSlotAndScalesUp() {
        String id = create(replicated("web", template("app:1"), 3));
        List<Task> tasks = h.tasks(id);
        assertEquals(List.of(1L, 2L, 3L), slots(tasks));
        assertTrue(tasks.stream().allMatch(t -> t.desiredState() == TaskState.RUNNING && t.state() == TaskState.NEW),
                () -> Harness.brief(tasks));
        assertTrue(tasks.stream().allMatch(t -> t.spec().equals(h.service(id).spec().taskTemplate())));

        // A second pass changes nothing.
        orchestrator.reconcile();
        assertEquals(3, h.tasks(id).size());

        scale(id, 5);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), slots(h.tasks(id)));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), slots(h.runnable(id)));
    }

    @Test
    void scalingDownRemovesFromTheBusiestNodesFirst() {
        h.addNode(newNode("n1"));
        h.addNode(newNode("n2"));
        h.addNode(newNode("n3"));
        String id = create(replicated("web", template("app:1"), 5));
        // Slots 1-3 run on n1, slot 4 on n2, slot 5 on n3.
        Map<Long, String> placement = Map.of(1L, "n1", 2L, "n1", 3L, "n1", 4L, "n2", 5L, "n3");
        for (Task t : h.tasks(id)) h.report(t.id(), TaskState.RUNNING, placement.get(t.slot()));

        scale(id, 3);
        List<Task> kept = h.runnable(id);
        assertEquals(3, kept.size(), () -> Harness.brief(kept));
        assertEquals(Set.of("n1", "n2", "n3"), kept.stream().map(Task::nodeId).collect(Collectors.toSet()),
                "the two surplus replicas come off n1, which held three");
        List<Task> removed = h.tasks(id).stream().filter(t -> t.desiredState() == TaskState.REMOVE).toList();
        assertEquals(List.of(2L, 3L), slots(removed));

        scale(id, 1);
        assertEquals(1, h.runnable(id).size());
        List<Task> removedNow = h.tasks(id).stream().filter(t -> t.desiredState() == TaskState.REMOVE).toList();
        assertEquals(4, removedNow.size(), "four slots' tasks are marked for removal: " + Harness.brief(removedNow));
        assertTrue(h.tasks(id).stream().allMatch(t -> t.desiredState() == TaskState.REMOVE || t.isRunnable()));
    }

    @Test
    void scalingDownPrefersTasksThatAreNotRunningYet() {
        h.addNode(newNode("n1"));
        h.addNode(newNode("n2"));
        h.addNode(newNode("n3"));
        String id = create(replicated("web", template("app:1"), 3));
        List<Task> tasks = h.tasks(id);
        h.report(tasks.get(0).id(), TaskState.ASSIGNED, "n1"); // slot 1 not running yet
        h.report(tasks.get(1).id(), TaskState.RUNNING, "n2");
        h.report(tasks.get(2).id(), TaskState.RUNNING, "n3");

        scale(id, 2);
        assertEquals(List.of(2L, 3L), slots(h.runnable(id)));
    }

    @Test
    void aSlotIsNotRefilledWhileItsTaskIsStillStopping() {
        String id = create(replicated("web", template("app:1"), 1));
        Task first = h.report(h.tasks(id).getFirst().id(), TaskState.RUNNING, "n1");

        // A manager tells it to stop (as a stop-first update does): the agent has not stopped it yet.
        h.update(first.withDesiredState(TaskState.SHUTDOWN));
        orchestrator.reconcile();
        assertEquals(1, h.tasks(id).size(), "no second task while the first one still runs");

        h.report(first.id(), TaskState.SHUTDOWN);
        orchestrator.reconcile();
        List<Task> tasks = h.tasks(id);
        assertEquals(2, tasks.size());
        Task replacement = tasks.stream().filter(Task::isRunnable).findFirst().orElseThrow();
        assertEquals(1, replacement.slot());
    }

    @Test
    void aStoppingTaskOnANodeThatIsDownIsNotWaitedFor() {
        h.addNode(newNode("n1"));
        String id = create(replicated("web", template("app:1"), 1));
        Task first = h.report(h.tasks(id).getFirst().id(), TaskState.RUNNING, "n1");
        h.update(first.withDesiredState(TaskState.SHUTDOWN));
        orchestrator.reconcile();
        assertEquals(1, h.tasks(id).size());

        // Its node dies before it could say it stopped: it never will, so the slot is refilled now.
        h.setNodeState("n1", NodeState.DOWN);
        orchestrator.reconcile();
        List<Task> tasks = h.tasks(id);
        assertEquals(2, tasks.size());
        assertEquals(1, tasks.stream().filter(Task::isRunnable).findFirst().orElseThrow().slot());
    }

    @Test
    void restartConditionNoneLeavesACompletedSlotEmpty() throws Exception {
        h.addNode(newNode("n1"));
        RestartSupervisor supervisor = h.start(new RestartSupervisor(h.store, h.clock, h.ticker));
        String id = create(replicated("job", withRestart(template("app:1"), RestartCondition.NONE, 0L, null), 2));
        for (Task t : h.tasks(id)) h.report(t.id(), TaskState.RUNNING, "n1");
        Task done = h.exit(h.tasks(id).getFirst().id(), 0);

        time.settle();
        assertEquals(TaskState.SHUTDOWN, h.task(done.id()).desiredState(), "the supervisor retired the completed task");
        orchestrator.reconcile();
        assertEquals(2, h.tasks(id).size(), "the completed slot is not refilled: " + Harness.brief(h.tasks(id)));
        assertEquals(1, h.tasks(id).stream().filter(t -> t.state() == TaskState.RUNNING).count());
        supervisor.stop();
    }

    @Test
    void runningItReconcilesTheServiceThatChangedAndTheRestOnItsFullPass() {
        String web = h.api.services().create(replicated("web", template("app:1"), 1));
        String db = h.api.services().create(replicated("db", template("db:1"), 1));
        h.start(orchestrator);
        time.settle();
        assertEquals(1, h.runnable(web).size(), "the first pass covers what was there before it started");
        assertEquals(1, h.runnable(db).size());

        // A surplus task of db that arrives as a create: no event it watches (a new task only fills a slot).
        h.create(Tasks.newTask(h.service(db), 2, null, TaskState.RUNNING, h.clock.instant()));
        // Scaling web is news about web only.
        var s = h.service(web);
        h.api.services().update(web, s.version().index(), withReplicas(s.spec(), 3), false);
        time.settle();
        assertEquals(List.of(1L, 2L, 3L), slots(h.runnable(web)), "the changed service is reconciled at once");
        assertEquals(List.of(1L, 2L), slots(h.runnable(db)), "the other one is not looked at");

        time.advance(Controller.FULL_PASS_PERIOD.minusNanos(1));
        assertEquals(List.of(1L, 2L), slots(h.runnable(db)));
        time.advance(Duration.ofNanos(1));
        assertEquals(List.of(1L), slots(h.runnable(db)), "the full pass finds the surplus");
    }

    @Test
    void runningItRefillsASlotWhenTheNodeOfItsStoppingTaskGoesDown() {
        h.addNode(newNode("n1"));
        String id = h.api.services().create(replicated("web", template("app:1"), 1));
        h.start(orchestrator);
        time.settle();
        Task first = h.report(h.tasks(id).getFirst().id(), TaskState.RUNNING, "n1");
        h.update(first.withDesiredState(TaskState.SHUTDOWN));
        time.settle();
        assertEquals(1, h.tasks(id).size(), "its task is still stopping");

        // News about the node, not the service: it concerns the services with tasks there.
        h.setNodeState("n1", NodeState.DOWN);
        time.settle();
        assertEquals(List.of(1L), slots(h.runnable(id)), Harness.brief(h.tasks(id)));
    }
}
