package io.shoal.manager.orchestrator.update;

import io.shoal.api.UpdateState;
import io.shoal.api.FailureAction;
import io.shoal.api.UpdateOrder;
import io.shoal.api.RestartCondition;
import io.shoal.api.NodeAvailability;
import static io.shoal.manager.orchestrator.Harness.global;
import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.withImage;
import static io.shoal.manager.orchestrator.Harness.withRestart;
import static io.shoal.manager.orchestrator.Harness.withUpdateConfig;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.orchestrator.FakeAgent;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.global.GlobalOrchestrator;
import io.shoal.manager.orchestrator.replicated.ReplicatedOrchestrator;
import io.shoal.manager.orchestrator.restart.RestartSupervisor;
import io.shoal.store.Change;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rolling updates with the orchestrators, the restart supervisor and a fake agent running, in
 * virtual time: the test lets it run from one due time to the next until what it waits for holds.
 */
class UpdaterTest {
    private static final long RESTART_DELAY = Duration.ofMillis(100).toNanos();
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);
    private FakeAgent agent;

    @BeforeEach
    void start() {
        h.addNode(newNode("n1"));
        h.addNode(newNode("n2"));
        h.start(new ReplicatedOrchestrator(h.store, h.clock, h.ticker));
        h.start(new GlobalOrchestrator(h.store, h.clock, h.ticker));
        h.start(new RestartSupervisor(h.store, h.clock, h.ticker));
        h.start(new Updater(h.store, h.clock, h.ticker));
        agent = h.start(new FakeAgent(h.store, h.clock, h.ticker, "n1", "n2"));
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private static String image(Task t) {
        return t.spec().containerSpec().image();
    }

    private static String image(ServiceSpec s) {
        return s.taskTemplate().containerSpec().image();
    }

    private String createRunning(ServiceSpec spec, int tasks) {
        String id = h.api.services().create(spec);
        awaitTasks(id, tasks + " tasks running", ts -> ts.stream().filter(t -> t.state() == TaskState.RUNNING
                && t.isRunnable()).count() == tasks);
        return id;
    }

    private List<Task> awaitTasks(String id, String what, Predicate<List<Task>> condition) {
        return time.advanceUntil(what, () -> h.tasks(id), condition);
    }

    private void updateImage(String id, String image) {
        Service s = h.service(id);
        h.api.services().update(id, s.version().index(), s.spec().withTaskTemplate(withImage(s.spec().taskTemplate(), image)), false);
    }

    private Service awaitUpdateState(String id, UpdateState state) {
        try {
            return time.advanceUntil("update state " + state, () -> h.service(id),
                    s -> s.updateStatus() != null && state.equals(s.updateStatus().state()));
        } catch (AssertionError e) {
            throw new AssertionError("update state never reached " + state + ": " + h.service(id).updateStatus()
                    + "; tasks:" + Harness.brief(h.tasks(id)), e);
        }
    }

    private void awaitAllRunning(String id, String image, int count) {
        awaitTasks(id, count + " tasks of " + image + " running", ts -> {
            List<Task> runnable = ts.stream().filter(Task::isRunnable).toList();
            return runnable.size() == count && runnable.stream()
                    .allMatch(t -> t.state() == TaskState.RUNNING && image.equals(image(t)));
        });
    }

    private void listen(Consumer<List<Event>> listener) {
        h.memory.addListener(listener);
        h.closeLater(() -> h.memory.removeListener(listener));
    }

    private static ServiceSpec.UpdateConfig config(long parallelism, FailureAction failureAction, UpdateOrder order) {
        return new ServiceSpec.UpdateConfig(parallelism, 0L, failureAction, null, null, order);
    }

    private static ServiceSpec spec(String name, int replicas, ServiceSpec.UpdateConfig update) {
        return withUpdateConfig(replicated(name, withRestart(template("app:1"), RestartCondition.ANY, RESTART_DELAY, null), replicas), update);
    }

    @Test
    void stopFirstKeepsAtMostParallelismSlotsDown() {
        String id = createRunning(spec("web", 4, config(2, FailureAction.PAUSE, UpdateOrder.STOP_FIRST)), 4);
        // After every committed batch: how many slots have no running task that is meant to run.
        AtomicInteger maxDown = new AtomicInteger();
        listen(events -> {
            Map<Long, Boolean> up = new HashMap<>();
            for (Task t : h.memory.view(r -> r.tasksOfService(id))) {
                up.merge(t.slot(), t.isRunnable() && t.state() == TaskState.RUNNING, Boolean::logicalOr);
            }
            maxDown.accumulateAndGet((int) up.values().stream().filter(u -> !u).count(), Math::max);
        });

        updateImage(id, "app:2");
        Service done = awaitUpdateState(id, UpdateState.COMPLETED);
        awaitAllRunning(id, "app:2", 4);
        assertEquals(2, maxDown.get(), "two slots at a time, never more");
        assertNotNull(done.updateStatus().completedAt());
        assertEquals(List.of(1L, 2L, 3L, 4L), h.runnable(id).stream().map(Task::slot).sorted().toList());
    }

    @Test
    void batchesWaitTheUpdateDelayAndTheLastIsWatchedForTheMonitorPeriod() {
        Duration delay = Duration.ofSeconds(10);
        Duration monitor = Duration.ofSeconds(5);
        String id = createRunning(spec("web", 2, new ServiceSpec.UpdateConfig(1L, delay.toNanos(), FailureAction.PAUSE,
                monitor.toNanos(), null, UpdateOrder.STOP_FIRST)), 2);
        updateImage(id, "app:2");
        // No time passes while the first batch (one slot) is rolled out; the delay counts from its end.
        time.settle();
        assertEquals(List.of("app:1", "app:2"), runningImages(id));

        time.advance(delay.minusNanos(1));
        assertEquals(List.of("app:1", "app:2"), runningImages(id), "the second batch waits out the delay");
        time.advance(Duration.ofNanos(1));
        assertEquals(List.of("app:2", "app:2"), runningImages(id), "the second batch once the delay is over");
        Instant lastBatchDone = time.instant();

        time.advance(monitor.minusNanos(1));
        assertEquals(UpdateState.UPDATING, h.service(id).updateStatus().state(), "the last batch is still watched");
        time.advance(Duration.ofNanos(1));
        Service done = h.service(id);
        assertEquals(UpdateState.COMPLETED, done.updateStatus().state());
        assertEquals(lastBatchDone.plus(monitor), done.updateStatus().completedAt());
    }

    /** The images of the service's runnable tasks that run, sorted. */
    private List<String> runningImages(String id) {
        return h.runnable(id).stream().filter(t -> t.state() == TaskState.RUNNING).map(UpdaterTest::image).sorted().toList();
    }

    @Test
    void startFirstStartsTheNewTaskBeforeStoppingTheOld() {
        String id = createRunning(spec("web", 2, config(1, FailureAction.PAUSE, UpdateOrder.START_FIRST)), 2);
        // Per slot: the log index at which the new task was created, ran, and the old one was told to stop.
        Map<Long, Long> created = new ConcurrentHashMap<>(), ran = new ConcurrentHashMap<>(), stopped = new ConcurrentHashMap<>();
        listen(events -> {
            for (Event e : events) {
                if (e.kind() != Kind.TASK || !(e.after() instanceof Task t)) continue;
                if (image(t).equals("app:2") && e.op() == Change.Op.CREATE) created.putIfAbsent(t.slot(), e.index());
                if (image(t).equals("app:2") && t.state() == TaskState.RUNNING) ran.putIfAbsent(t.slot(), e.index());
                if (image(t).equals("app:1") && t.desiredState() == TaskState.SHUTDOWN) stopped.putIfAbsent(t.slot(), e.index());
            }
        });

        updateImage(id, "app:2");
        awaitUpdateState(id, UpdateState.COMPLETED);
        awaitAllRunning(id, "app:2", 2);
        assertEquals(Set.of(1L, 2L), stopped.keySet(), "both old tasks told to stop");
        for (long slot : stopped.keySet()) {
            assertTrue(created.get(slot) < stopped.get(slot), "slot " + slot + ": new task created first");
            assertTrue(ran.get(slot) <= stopped.get(slot), "slot " + slot + ": old one stopped once the new one runs");
        }
    }

    @Test
    void aFailingNewTaskPausesTheUpdate() {
        String id = createRunning(spec("web", 2, config(1, FailureAction.PAUSE, UpdateOrder.STOP_FIRST)), 2);
        agent.fails = t -> image(t).equals("app:2");
        updateImage(id, "app:2");
        Service paused = awaitUpdateState(id, UpdateState.PAUSED);
        assertTrue(paused.updateStatus().message().startsWith("update paused due to failure or early termination of task "),
                paused.updateStatus().message());
        assertEquals("app:2", image(paused.spec()), "pausing keeps the new spec");
        // Only the first batch (one slot) was touched: the other slot still runs the old spec.
        assertTrue(h.runnable(id).stream().anyMatch(t -> image(t).equals("app:1") && t.state() == TaskState.RUNNING));
    }

    @Test
    void aFailingNewTaskRollsBackWhenAskedTo() {
        String id = createRunning(spec("web", 2, config(1, FailureAction.ROLLBACK, UpdateOrder.STOP_FIRST)), 2);
        List<UpdateState> states = new CopyOnWriteArrayList<>();
        listen(events -> {
            for (Event e : events) {
                if (e.after() instanceof Service s && s.id().equals(id) && s.updateStatus() != null
                        && (states.isEmpty() || !states.getLast().equals(s.updateStatus().state()))) {
                    states.add(s.updateStatus().state());
                }
            }
        });
        agent.fails = t -> image(t).equals("app:2");
        updateImage(id, "app:2");

        Service rolledBack = awaitUpdateState(id, UpdateState.ROLLBACK_COMPLETED);
        assertEquals("app:1", image(rolledBack.spec()));
        assertEquals("app:2", image(rolledBack.previousSpec()));
        assertEquals(List.of(UpdateState.UPDATING, UpdateState.ROLLBACK_STARTED, UpdateState.ROLLBACK_COMPLETED), states);
        awaitAllRunning(id, "app:1", 2);
    }

    @Test
    void aManualRollbackRestoresThePreviousSpec() {
        String id = createRunning(spec("web", 2, config(0, FailureAction.PAUSE, UpdateOrder.STOP_FIRST)), 2);
        updateImage(id, "app:2");
        awaitUpdateState(id, UpdateState.COMPLETED);
        awaitAllRunning(id, "app:2", 2);

        Service s = h.service(id);
        h.api.services().update(id, s.version().index(), null, true);
        Service started = h.service(id);
        assertEquals("app:1", image(started.spec()));
        assertEquals("app:2", image(started.previousSpec()));
        Service done = awaitUpdateState(id, UpdateState.ROLLBACK_COMPLETED);
        assertEquals("app:1", image(done.spec()));
        awaitAllRunning(id, "app:1", 2);
    }

    @Test
    void aGlobalUpdateCompletesWhenANodeWasDrained() {
        String id = h.api.services().create(withUpdateConfig(global("agent", template("app:1")), config(1, FailureAction.PAUSE, UpdateOrder.STOP_FIRST)));
        awaitTasks(id, "a task running on each node", ts -> ts.stream()
                .filter(t -> t.isRunnable() && t.state() == TaskState.RUNNING).count() == 2);
        h.setAvailability("n2", NodeAvailability.DRAIN);
        awaitTasks(id, "the task on n2 stopped", ts -> ts.stream()
                .anyMatch(t -> "n2".equals(t.nodeId()) && t.state() == TaskState.SHUTDOWN));

        updateImage(id, "app:2");
        awaitUpdateState(id, UpdateState.COMPLETED);
        awaitAllRunning(id, "app:2", 1);
        Set<String> nodes = new HashSet<>();
        for (Task t : h.runnable(id)) nodes.add(t.nodeId());
        assertEquals(Set.of("n1"), nodes);
    }

    @Test
    void aScaledDownSlotDoesNotHoldTheUpdateBack() {
        String id = createRunning(spec("web", 3, config(1, FailureAction.PAUSE, UpdateOrder.STOP_FIRST)), 3);
        Service s = h.service(id);
        h.api.services().update(id, s.version().index(), Harness.withReplicas(s.spec(), 2), false);
        // No task reaper runs here, so the removed slot's stopped task stays in the store.
        awaitTasks(id, "the surplus task stopped", ts -> ts.stream()
                .anyMatch(t -> t.desiredState() == TaskState.REMOVE && t.state() == TaskState.SHUTDOWN));

        updateImage(id, "app:2");
        awaitUpdateState(id, UpdateState.COMPLETED);
        awaitAllRunning(id, "app:2", 2);
    }

    /** As swarmkit's dirty tasks: a task carries its endpoint, so publishing a port (or no longer) replaces it. */
    @Test
    void aChangedEndpointSpecReplacesTheTasks() {
        h.addIngress();
        String id = createRunning(spec("web", 2, config(0, FailureAction.PAUSE, UpdateOrder.STOP_FIRST)), 2);
        Set<String> unpublished = new HashSet<>(h.runnable(id).stream().map(Task::id).toList());

        Service s = h.service(id);
        h.api.services().update(id, s.version().index(), Harness.withPorts(s.spec(), new PortConfig(null, null, 80, 8080, null)), false);
        awaitUpdateState(id, UpdateState.COMPLETED);
        awaitAllRunning(id, "app:1", 2);
        List<Task> published = h.runnable(id);
        assertTrue(published.stream().noneMatch(t -> unpublished.contains(t.id())), "every task replaced");
        PortConfig allocated = new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.INGRESS);
        for (Task t : published) assertEquals(List.of(allocated), t.endpoint().ports());

        s = h.service(id);
        h.api.services().update(id, s.version().index(), Harness.withPorts(s.spec()), false);
        awaitUpdateState(id, UpdateState.COMPLETED);
        awaitAllRunning(id, "app:1", 2);
        for (Task t : h.runnable(id)) {
            assertTrue(published.stream().noneMatch(p -> p.id().equals(t.id())), "replaced again");
            assertFalse(t.publishesIngress());
        }
    }
}
