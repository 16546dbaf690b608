package io.shoal.manager.dispatcher;

import io.shoal.pki.NodeRole;
import io.shoal.api.Reachability;
import io.shoal.api.NodeState;
import io.shoal.api.NodeAvailability;
import static io.shoal.manager.orchestrator.Harness.await;
import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol.Session;
import io.shoal.api.dispatcher.DispatcherProtocol.NodeRemovedException;
import io.shoal.api.dispatcher.DispatcherProtocol.SessionInvalidException;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DispatcherTest {
    private static final Node.Description DESCRIPTION = newNode("n1").description();
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);
    private Dispatcher dispatcher;
    private Service service;

    @BeforeEach
    void start() {
        h.addNode(newNode("n1").withStatus(new Node.Status(NodeState.UNKNOWN, null, null)));
        h.addNode(newNode("n2").withStatus(new Node.Status(NodeState.UNKNOWN, null, null)));
        service = h.service(h.api.services().create(replicated("web", template("app:1"), 1)));
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private Dispatcher dispatcher() {
        dispatcher = h.closeLater(new Dispatcher(h.store, h.clock, h.ticker));
        return dispatcher;
    }

    /** A task of the service in {@code state} on {@code nodeId} (null: not placed yet). */
    private Task task(long slot, TaskState state, String nodeId) {
        Task t = Tasks.newTask(service, slot, nodeId, TaskState.RUNNING, h.clock.instant());
        h.create(t.withStatus(TaskStatus.of(state, state.wireName(), h.clock.instant())));
        return h.task(t.id());
    }

    private static Assignments next(LinkedBlockingQueue<Assignments> q) throws InterruptedException {
        Assignments a = q.poll(Harness.DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(a, "no assignments message");
        return a;
    }

    private static List<String> ids(List<Task> tasks) {
        return tasks.stream().map(Task::id).sorted().toList();
    }

    @Test
    void registeringMarksTheNodeReady() {
        h.createCluster(Harness.swarmSpec(null, Duration.ofSeconds(2).toNanos()));
        Session s = dispatcher().register("n1", DESCRIPTION, "10.0.0.7");
        Node n1 = h.node("n1");
        assertTrue(n1.isReady());
        assertEquals("10.0.0.7", n1.status().addr());
        assertEquals(Duration.ofSeconds(2).toNanos(), s.heartbeatPeriodNanos());
        assertEquals(Duration.ofSeconds(2).toNanos(), dispatcher.heartbeat("n1", s.sessionId()).periodNanos());
        assertEquals("node n9 was removed from the swarm", assertThrows(NodeRemovedException.class,
                () -> dispatcher.register("n9", DESCRIPTION, "10.0.0.9")).getMessage());
    }

    @Test
    void heartbeatsTellTheNodeWhichRoleItIsCertifiedFor() {
        Session s = dispatcher().register("n1", DESCRIPTION, "10.0.0.1");
        assertEquals(NodeRole.WORKER, dispatcher.heartbeat("n1", s.sessionId()).role());
        Node n1 = h.node("n1");
        h.update(n1.withSpec(new Node.Spec(null, null, NodeRole.MANAGER, NodeAvailability.ACTIVE)));
        assertEquals(NodeRole.MANAGER, dispatcher.heartbeat("n1", s.sessionId()).role(), "promoted");
        // Demoted but still a Raft member: a manager until the leader has removed it.
        n1 = h.node("n1");
        h.update(n1.withSpec(new Node.Spec(null, null, NodeRole.WORKER, NodeAvailability.ACTIVE))
                .withManagerStatus(new Node.ManagerStatus(false, Reachability.REACHABLE, "10.0.0.1:2377")));
        assertEquals(NodeRole.MANAGER, dispatcher.heartbeat("n1", s.sessionId()).role());
        h.update(h.node("n1").withManagerStatus(null));
        assertEquals(NodeRole.WORKER, dispatcher.heartbeat("n1", s.sessionId()).role());
    }

    @Test
    void aWrongOrOldSessionIsInvalid() {
        Session first = dispatcher().register("n1", DESCRIPTION, "10.0.0.1");
        assertThrows(SessionInvalidException.class, () -> dispatcher.heartbeat("n1", "bogus"));
        assertThrows(SessionInvalidException.class, () -> dispatcher.heartbeat("n2", first.sessionId()));
        Session second = dispatcher.register("n1", DESCRIPTION, "10.0.0.1");
        assertNotEquals(first.sessionId(), second.sessionId());
        assertThrows(SessionInvalidException.class, () -> dispatcher.heartbeat("n1", first.sessionId()));
        assertThrows(SessionInvalidException.class, () -> dispatcher.assignments("n1", first.sessionId(), a -> {}));
        assertThrows(SessionInvalidException.class, () -> dispatcher.updateTaskStatus("n1", first.sessionId(), List.of()));
        dispatcher.heartbeat("n1", second.sessionId());
    }

    @Test
    void assignmentsAreCompleteThenIncrementalAndSkipStatusOnlyChanges() throws Exception {
        Task mine = task(1, TaskState.ASSIGNED, "n1");
        Task unplaced = task(2, TaskState.PENDING, null);
        task(3, TaskState.RUNNING, "n2");
        Session s = dispatcher().register("n1", DESCRIPTION, "10.0.0.1");
        LinkedBlockingQueue<Assignments> q = new LinkedBlockingQueue<>();
        h.closeLater(dispatcher.assignments("n1", s.sessionId(), q::add));

        Assignments complete = next(q);
        assertEquals(Assignments.Type.COMPLETE, complete.type());
        assertEquals(List.of(mine.id()), ids(complete.changed()));

        // The scheduler assigns the second task to n1.
        h.update(h.task(unplaced.id()).withNodeId("n1").withStatus(TaskStatus.of(TaskState.ASSIGNED, "assigned", h.clock.instant())));
        Assignments assigned = next(q);
        assertEquals(Assignments.Type.INCREMENTAL, assigned.type());
        assertEquals(List.of(unplaced.id()), ids(assigned.changed()));
        assertEquals(List.of(), assigned.removed());

        // The agent's own status report is no news; the desired state change after it is.
        h.report(mine.id(), TaskState.RUNNING);
        h.update(h.task(mine.id()).withDesiredState(TaskState.SHUTDOWN));
        Assignments told = next(q);
        assertEquals(List.of(mine.id()), ids(told.changed()), "the status-only change sent nothing before this");
        assertEquals(TaskState.SHUTDOWN, told.changed().getFirst().desiredState());

        // A task deleted from the store is removed from the node.
        h.store.update(tx -> {
            tx.delete(tx.task(unplaced.id()));
            return null;
        });
        Assignments removed = next(q);
        assertEquals(List.of(), removed.changed());
        assertEquals(List.of(unplaced.id()), removed.removed());
        assertEquals(0, q.size());
    }

    @Test
    void statusReportsOnlyMoveForward() {
        Task a = task(1, TaskState.ASSIGNED, "n1");
        Task b = task(2, TaskState.ASSIGNED, "n1");
        Task elsewhere = task(3, TaskState.ASSIGNED, "n2");
        Session s = dispatcher().register("n1", DESCRIPTION, "10.0.0.1");
        var at = h.clock.instant();

        dispatcher.updateTaskStatus("n1", s.sessionId(), List.of(
                new TaskStatusUpdate(a.id(), TaskStatus.of(TaskState.RUNNING, "started", at))));
        await("a running", () -> h.task(a.id()), t -> t.state() == TaskState.RUNNING);

        // A late report of an earlier state, and a report about another node's task, change nothing;
        // b's report in the same call shows when the batch has been written.
        dispatcher.updateTaskStatus("n1", s.sessionId(), List.of(
                new TaskStatusUpdate(a.id(), TaskStatus.of(TaskState.STARTING, "starting", at)),
                new TaskStatusUpdate(elsewhere.id(), TaskStatus.of(TaskState.FAILED, "lies", at)),
                new TaskStatusUpdate(b.id(), TaskStatus.of(TaskState.RUNNING, "started", at))));
        await("b running", () -> h.task(b.id()), t -> t.state() == TaskState.RUNNING);
        assertEquals(TaskState.RUNNING, h.task(a.id()).state());
        assertEquals(TaskState.ASSIGNED, h.task(elsewhere.id()).state());

        dispatcher.updateTaskStatus("n1", s.sessionId(), List.of(
                new TaskStatusUpdate(a.id(), new TaskStatus(at, TaskState.FAILED, "exited", "exit 3",
                        new TaskStatus.ContainerStatus("c", 0, 3), null))));
        Task failed = await("a failed", () -> h.task(a.id()), t -> t.state() == TaskState.FAILED);
        assertEquals(3, failed.status().containerStatus().exitCode());
    }

    @Test
    void aNodeThatMissesThreeHeartbeatPeriodsGoesDown() {
        Duration period = Duration.ofSeconds(5);
        h.createCluster(Harness.swarmSpec(null, period.toNanos()));
        Session s1 = dispatcher().register("n1", DESCRIPTION, "10.0.0.1");
        Session s2 = dispatcher.register("n2", DESCRIPTION, "10.0.0.2");
        // n2 beats every period, n1 never does.
        for (int i = 0; i < 2; i++) {
            time.advance(period);
            dispatcher.heartbeat("n2", s2.sessionId());
        }
        time.advance(period);
        assertTrue(h.node("n1").isReady(), "three periods without a heartbeat are not yet too many");

        time.advance(Duration.ofNanos(1));
        Node down = h.node("n1");
        assertTrue(down.isDown(), "more than three periods are");
        assertEquals("heartbeat failure", down.status().message());
        assertEquals("10.0.0.1", down.status().addr());
        assertThrows(SessionInvalidException.class, () -> dispatcher.heartbeat("n1", s1.sessionId()));
        assertTrue(h.node("n2").isReady(), "n2 kept its heartbeats up");

        // Registering again brings it back.
        dispatcher.register("n1", DESCRIPTION, "10.0.0.1");
        assertTrue(h.node("n1").isReady());
    }

    @Test
    void aReadyNodeThatNeverRegistersHereGoesDownThreePeriodsAfterTheDispatcherStarted() {
        Duration period = Duration.ofSeconds(5);
        h.createCluster(Harness.swarmSpec(null, period.toNanos()));
        // Ready as the last leader left it: this one has had no heartbeat from it.
        h.setNodeState("n1", NodeState.READY);
        dispatcher();
        time.advance(period.multipliedBy(3));
        assertTrue(h.node("n1").isReady());
        time.advance(Duration.ofNanos(1));
        assertTrue(h.node("n1").isDown());
    }
}
