package io.shoal.manager.scheduler;

import static io.shoal.manager.scheduler.Fixtures.CPU;
import static io.shoal.manager.scheduler.Fixtures.GIB;
import static io.shoal.manager.scheduler.Fixtures.hostPort;
import static io.shoal.manager.scheduler.Fixtures.node;
import static io.shoal.manager.scheduler.Fixtures.pending;
import static io.shoal.manager.scheduler.Fixtures.reserving;
import static io.shoal.manager.scheduler.Fixtures.running;
import static io.shoal.manager.scheduler.Fixtures.service;
import static io.shoal.manager.scheduler.Fixtures.spec;
import static io.shoal.manager.scheduler.Fixtures.withAvailability;
import static io.shoal.manager.scheduler.Fixtures.withLabels;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Node;
import io.shoal.api.NodeAvailability;
import io.shoal.api.Platform;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.store.Change;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.Store;
import io.shoal.store.Watch;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The scheduler against a real in-memory store, one pass at a time. */
class SchedulerTest {
    private final Store store = Fixtures.store();
    private final Scheduler scheduler = new Scheduler(store);

    private void create(StoredObject... objects) {
        create(List.of(objects));
    }

    private void create(List<? extends StoredObject> objects) {
        store.update(tx -> {
            objects.forEach(tx::create);
            return null;
        });
    }

    private Task task(String id) {
        return store.view(tx -> tx.task(id));
    }

    /** Creates {@code n} pending tasks of {@code serviceId}, ids {@code serviceId-1...}. */
    private List<String> pendingTasks(String serviceId, int n, TaskSpec spec) {
        List<Task> tasks = IntStream.rangeClosed(1, n)
                .mapToObj(i -> pending(serviceId + "-" + i, serviceId, i, spec)).toList();
        create(tasks);
        return tasks.stream().map(Task::id).toList();
    }

    /** How many of these tasks each node got ("null": none). */
    private Map<String, Long> perNode(List<String> ids) {
        return ids.stream().map(this::task)
                .collect(Collectors.groupingBy(t -> String.valueOf(t.nodeId()), TreeMap::new, Collectors.counting()));
    }

    private void assertAssigned(String id) {
        Task t = task(id);
        assertEquals(TaskState.ASSIGNED, t.state(), () -> id + ": " + t.status());
        assertEquals(SchedulingPass.ASSIGNED, t.status().message());
        assertNull(t.status().err());
    }

    private void assertWaiting(String id, String err) {
        Task t = task(id);
        assertEquals(TaskState.PENDING, t.state());
        assertNull(t.nodeId());
        assertEquals(err, t.status().err());
    }

    @Test
    void assignsAPendingTaskToAReadyNode() {
        create(node("n1"));
        pendingTasks("web", 1, spec());
        scheduler.reconcile();
        assertAssigned("web-1");
        assertEquals("n1", task("web-1").nodeId());
    }

    @Test
    void leavesTasksThatAreNotWaitingAlone() {
        create(node("n1"));
        create(pending("web-1", "web", 1, spec()).withDesiredState(TaskState.SHUTDOWN),
                pending("web-2", "web", 2, spec()).withStatus(TaskStatus.of(TaskState.NEW, "", null)));
        scheduler.reconcile();
        assertEquals(TaskState.PENDING, task("web-1").state());
        assertEquals(TaskState.NEW, task("web-2").state());
    }

    @Test
    void schedulesJobTasksMeantToComplete() {
        create(node("n1"));
        create(pending("job-1", "job", 1, spec()).withDesiredState(TaskState.COMPLETE));
        scheduler.reconcile();
        assertAssigned("job-1");
    }

    @Test
    void spreadsEvenlyOverNodesWithoutPreferences() {
        create(node("n1"), node("n2"), node("n3"));
        create(running("other-1", "other", "n1", spec()));
        List<String> ids = pendingTasks("web", 7, spec());
        scheduler.reconcile();
        // 7 over 3 nodes: 3,2,2; the extra one avoids n1, which already runs another task.
        assertEquals(Map.of("n1", 2L, "n2", 3L, "n3", 2L), perNode(ids));
    }

    @Test
    void evensOutTasksAlreadyRunning() {
        create(node("n1"), node("n2"));
        create(running("web-old-1", "web", "n1", spec()), running("web-old-2", "web", "n1", spec()));
        List<String> ids = pendingTasks("web", 2, spec());
        scheduler.reconcile();
        assertEquals(Map.of("n2", 2L), perNode(ids));
    }

    @Test
    void spreadsOverLabelValuesBeforeNodes() {
        create(withLabels(node("a1"), Map.of("zone", "a")), withLabels(node("a2"), Map.of("zone", "a")),
                withLabels(node("b1"), Map.of("zone", "b")));
        List<String> ids = pendingTasks("web", 6, Fixtures.spreadOver("node.labels.zone"));
        scheduler.reconcile();
        assertEquals(Map.of("a1", 2L, "a2", 1L, "b1", 3L), perNode(ids));
    }

    @Test
    void nodesLackingTheLabelFormTheirOwnGroup() {
        create(withLabels(node("a1"), Map.of("zone", "a")), withLabels(node("a2"), Map.of("zone", "a")),
                withLabels(node("b1"), Map.of("zone", "b")), node("x1"), node("x2"));
        List<String> ids = pendingTasks("web", 6, Fixtures.spreadOver("Node.Labels.zone"));
        scheduler.reconcile();
        Map<String, Long> placed = perNode(ids);
        assertEquals(2L, placed.get("a1") + placed.get("a2"));
        assertEquals(2L, placed.get("b1"));
        assertEquals(2L, placed.get("x1") + placed.get("x2"));
    }

    @Test
    void spreadsOverNestedPreferences() {
        create(withLabels(node("a-r1"), Map.of("zone", "a", "rack", "1")),
                withLabels(node("a-r2"), Map.of("zone", "a", "rack", "2")),
                withLabels(node("b-r1"), Map.of("zone", "b", "rack", "1")),
                withLabels(node("b-r1-x"), Map.of("zone", "b", "rack", "1")));
        List<String> ids = pendingTasks("web", 8, Fixtures.spreadOver("node.labels.zone", "node.labels.rack"));
        scheduler.reconcile();
        // Zone a splits its 4 over two racks; zone b's one rack splits them over its two nodes.
        assertEquals(Map.of("a-r1", 2L, "a-r2", 2L, "b-r1", 2L, "b-r1-x", 2L), perNode(ids));
    }

    @Test
    void spreadsOverEngineLabels() {
        Node ssd = node("ssd");
        ssd = ssd.withDescription(new Node.Description("ssd", ssd.description().platform(),
                ssd.description().resources(), new Node.Engine("25.0", Map.of("disk", "ssd"), List.of()), null));
        create(ssd, node("hdd1"), node("hdd2"));
        List<String> ids = pendingTasks("web", 4, Fixtures.spreadOver("engine.labels.disk"));
        scheduler.reconcile();
        assertEquals(Map.of("hdd1", 1L, "hdd2", 1L, "ssd", 2L), perNode(ids));
    }

    @Test
    void aFullBranchLeavesTheRestToTheOthers() {
        create(withLabels(node("a1"), Map.of("zone", "a")), withLabels(node("b1"), Map.of("zone", "b")));
        create(running("big", "other", "a1", reserving(3 * CPU, 0)));
        TaskSpec spec = spec(new TaskSpec.Placement(null,
                List.of(new TaskSpec.Preference(new TaskSpec.Spread("node.labels.zone"))), 0, null),
                reserving(2 * CPU, 0).resources());
        List<String> ids = pendingTasks("web", 3, spec);
        scheduler.reconcile();
        assertEquals(Map.of("b1", 2L, "null", 1L), perNode(ids));
        assertWaiting("web-3", "no suitable node (insufficient resources on 2 nodes)");
    }

    @Test
    void exhaustedResourcesLeaveLaterTasksPendingWithTheReason() {
        create(node("n1"));
        List<String> ids = pendingTasks("db", 3, reserving(2 * CPU, GIB));
        scheduler.reconcile();
        assertAssigned("db-1");
        assertAssigned("db-2");
        assertWaiting("db-3", "no suitable node (insufficient resources on 1 node)");
        assertEquals(Map.of("n1", 2L, "null", 1L), perNode(ids));
    }

    @Test
    void writesTheReasonOnlyWhenItChanges() {
        create(withLabels(node("n1"), Map.of("zone", "b")), withLabels(node("n2"), Map.of("zone", "b")));
        pendingTasks("web", 1, Fixtures.constrained("node.labels.zone==a"));
        scheduler.reconcile();
        assertWaiting("web-1", "no suitable node (scheduling constraints not satisfied on 2 nodes)");
        long version = task("web-1").version().index();
        scheduler.reconcile();
        assertEquals(version, task("web-1").version().index(), "same reason, no write");

        create(withAvailability(node("n3"), NodeAvailability.DRAIN));
        scheduler.reconcile();
        assertWaiting("web-1",
                "no suitable node (scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks)");
    }

    @Test
    void explainsWithNoNodesAtAll() {
        pendingTasks("web", 1, spec());
        scheduler.reconcile();
        assertWaiting("web-1", "no suitable node");
    }

    @Test
    void explainsPlatformsHostPortsAndMaxReplicas() {
        create(node("n1"));
        TaskSpec windows = Fixtures.platforms(new Platform("amd64", "windows"));
        create(pending("win-1", "win", 1, windows));
        create(service("web", spec(), hostPort(8080)));
        create(pending("web-1", "web", 1, spec()), pending("web-2", "web", 2, spec()));
        create(pending("cap-1", "cap", 1, Fixtures.maxReplicas(1)), pending("cap-2", "cap", 2, Fixtures.maxReplicas(1)));
        scheduler.reconcile();
        assertWaiting("win-1", "no suitable node (unsupported platform on 1 node)");
        assertAssigned("web-1");
        assertWaiting("web-2", "no suitable node (host-mode port already in use on 1 node)");
        assertAssigned("cap-1");
        assertWaiting("cap-2", "no suitable node (max replicas per node limit exceed)");
    }

    /** A task on an overlay network goes only where the executor can attach it: not to a process-executor node. */
    @Test
    void tasksOnNetworksGoOnlyToNodesWithTheNetworkPlugin() {
        create(node("plain"));
        create(Fixtures.attached(pending("web-1", "web", 1, spec())));
        scheduler.reconcile();
        assertWaiting("web-1", "no suitable node (missing plugin on 1 node)");
        create(Fixtures.withPlugins(node("overlay"), "Network/overlay"));
        scheduler.reconcile();
        assertAssigned("web-1");
        assertEquals("overlay", task("web-1").nodeId());
    }

    /**
     * A task on an encrypted network waits, with the reason, until a node says it can encrypt;
     * one with overlay networking but no encryption never gets it.
     */
    @Test
    void tasksOnEncryptedNetworksGoOnlyToNodesThatEncrypt() {
        create(node("plain"), Fixtures.withPlugins(node("overlay"), "Network/overlay"));
        create(Fixtures.attachedEncrypted(pending("web-1", "web", 1, spec())));
        scheduler.reconcile();
        assertWaiting("web-1", "no suitable node (encrypted overlay networks not supported on 2 nodes)");
        create(Fixtures.withPlugins(node("wireguard"), "Network/overlay", "Network/overlay-encrypted"));
        scheduler.reconcile();
        assertAssigned("web-1");
        assertEquals("wireguard", task("web-1").nodeId());
    }

    @Test
    void hostPortsHeldByAnotherServiceConflict() {
        create(node("n1"), node("n2"));
        create(service("a", spec(), hostPort(80)), service("b", spec(), hostPort(80)));
        create(running("a-1", "a", "n1", spec()));
        pendingTasks("b", 1, spec());
        scheduler.reconcile();
        assertEquals("n2", task("b-1").nodeId());
    }

    @Test
    void maxReplicasSpreadsTheRestAndStopsAtTheLimit() {
        create(node("n1"), node("n2"));
        List<String> ids = pendingTasks("web", 5, Fixtures.maxReplicas(2));
        scheduler.reconcile();
        assertEquals(Map.of("n1", 2L, "n2", 2L, "null", 1L), perNode(ids));
        assertWaiting("web-5", "no suitable node (max replicas per node limit exceed)");
    }

    @Test
    void preassignedTasksAreOnlyCheckedOnTheirNode() {
        create(node("n1"), node("n2"));
        create(running("hog", "other", "n2", reserving(4 * CPU, 0)));
        TaskSpec spec = reserving(CPU, 0);
        create(pending("g-n1", "global", 0, spec).withNodeId("n1"), pending("g-n2", "global", 0, spec).withNodeId("n2"));
        scheduler.reconcile();
        Task ok = task("g-n1");
        assertEquals(TaskState.ASSIGNED, ok.state());
        assertEquals("n1", ok.nodeId());
        assertEquals(SchedulingPass.CONFIRMED, ok.status().message());
        Task full = task("g-n2");
        assertEquals(TaskState.PENDING, full.state());
        assertEquals("n2", full.nodeId(), "never moved to another node");
        assertEquals("insufficient resources on 1 node", full.status().err());
    }

    @Test
    void commitsInBatchesOfAtMost200() throws Exception {
        create(node("n1"), node("n2"));
        pendingTasks("web", 450, spec());
        try (Watch watch = store.watch()) {
            scheduler.reconcile();
            Map<Long, Integer> changesPerBatch = new TreeMap<>();
            for (Event e : watch.next(0)) changesPerBatch.merge(e.index(), 1, Integer::sum);
            assertEquals(List.of(200, 200, 50), new ArrayList<>(changesPerBatch.values()));
        }
    }

    @Test
    void aTaskChangedSinceThePassReadItIsLeftToTheNextPass() {
        create(node("n1"));
        pendingTasks("web", 2, spec());
        SchedulingPass pass = store.view(SchedulingPass::read).orElseThrow();
        Task stopped = task("web-1").withDesiredState(TaskState.SHUTDOWN);
        store.update(tx -> {
            tx.update(stopped);
            return null;
        });
        List<Task> decisions = pass.decide(Fixtures.T0);
        assertEquals(2, decisions.size());
        scheduler.commit(decisions);
        assertEquals(TaskState.PENDING, task("web-1").state());
        assertEquals(TaskState.SHUTDOWN, task("web-1").desiredState());
        assertAssigned("web-2");
    }

    @Test
    void wakesOnlyForEventsThatCanChangeADecision() {
        Task waiting = pending("t", "s", 1, spec());
        Task explained = waiting.withStatus(new TaskStatus(Fixtures.T0, TaskState.PENDING, "m", "why", null, null));
        Task assigned = waiting.withNodeId("n1").withStatus(TaskStatus.of(TaskState.ASSIGNED, "", null));
        Task runningTask = running("t", "s", "n1", spec());
        Task finished = runningTask.withStatus(TaskStatus.of(TaskState.COMPLETE, "", null));
        Event nodeChanged = new Event(Change.Op.UPDATE, Kind.NODE, node("n1"), node("n1"), 1, null);
        assertTrue(wakes(event(null, waiting)), "a new waiting task");
        assertFalse(wakes(event(waiting, explained)), "our own explanation");
        assertFalse(wakes(event(waiting, assigned)), "our own assignment");
        assertFalse(wakes(event(assigned, runningTask)), "progress on the node");
        assertTrue(wakes(event(runningTask, finished)), "resources freed");
        assertTrue(wakes(event(runningTask, runningTask.withDesiredState(TaskState.SHUTDOWN))),
                "no longer counts against max replicas");
        assertTrue(wakes(event(runningTask, null)), "deleted");
        assertTrue(wakes(nodeChanged));

        // Once a pass has left nothing waiting, room appearing is no reason to read the store.
        scheduler.reconcile();
        assertFalse(wakes(event(runningTask, finished)), "resources freed, nobody waiting");
        assertFalse(wakes(nodeChanged), "a node changed, nobody waiting");
        assertTrue(wakes(event(null, waiting)), "a new waiting task still does");
        create(node("n1"), pending("big", "s", 1, reserving(64 * CPU, 0)));
        scheduler.reconcile();
        assertTrue(wakes(event(runningTask, finished)), "resources freed while a task waits");
        assertTrue(wakes(nodeChanged), "a node changed while a task waits");
    }

    private boolean wakes(Event e) {
        return !scheduler.affected(e).isEmpty();
    }

    private static Event event(Task before, Task after) {
        Change.Op op = before == null ? Change.Op.CREATE : after == null ? Change.Op.DELETE : Change.Op.UPDATE;
        return new Event(op, Kind.TASK, before, after, 1, null);
    }

    @Test
    void placesAThousandTasksOnAThousandNodes() {
        List<Node> nodes = IntStream.range(0, 1000).mapToObj(i -> node("node-%04d".formatted(i))).toList();
        for (int i = 0; i < nodes.size(); i += 200) create(nodes.subList(i, i + 200));
        List<Task> tasks = IntStream.rangeClosed(1, 1000).mapToObj(i -> pending("web-" + i, "web", i, spec())).toList();
        for (int i = 0; i < tasks.size(); i += 200) create(tasks.subList(i, i + 200));

        scheduler.reconcile();

        Set<String> used = new HashSet<>();
        for (Task t : tasks) {
            Task now = task(t.id());
            assertEquals(TaskState.ASSIGNED, now.state(), t.id());
            used.add(now.nodeId());
        }
        assertEquals(1000, used.size(), "one task per node");
    }
}
