package io.shoal.manager.dispatcher;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Defaults;
import io.shoal.api.Ids;
import io.shoal.api.Node;
import io.shoal.api.NodeState;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dependencies;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.manager.Ticker;
import io.shoal.manager.ca.RootCaChange;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.Store;
import io.shoal.store.Watch;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's end of every agent's session: registers nodes, tracks their heartbeats (a node
 * that misses them goes down), streams each node its tasks, and writes the task states agents
 * report into the store in batches.
 */
public final class Dispatcher implements DispatcherProtocol, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    /** swarmkit marks a node down after about three missed heartbeat periods. */
    private static final int GRACE_MULTIPLIER = 3;
    private static final long STATUS_BATCH_MILLIS = 10;
    /** The heartbeat period while a root rotation is in progress. */
    private static final long ROTATION_HEARTBEAT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** When a heartbeat check that could not read or write the store is tried again. */
    private static final long CHECK_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** A node's session: when it last beat, and the period it was told then (it beats by that one until the next answer). */
    private record SessionState(String sessionId, long lastHeartbeatNanos, long periodNanos) {}

    private final Store store;
    private final Clock clock;
    private final Ticker ticker;
    private final Map<String, SessionState> sessions = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<Reported> reports = new LinkedBlockingQueue<>();
    private final long startedNanos;
    private final Thread statusWriter;
    private final Thread heartbeatChecker;
    private volatile boolean running = true;

    private record Reported(String nodeId, TaskStatusUpdate update) {}

    public Dispatcher(Store store, Clock clock, Ticker ticker) {
        this.store = store;
        this.clock = clock;
        this.ticker = ticker;
        this.startedNanos = ticker.nanoTime();
        statusWriter = Thread.ofVirtual().name("dispatcher-status").start(this::writeStatuses);
        heartbeatChecker = Thread.ofVirtual().name("dispatcher-heartbeats").start(this::checkHeartbeats);
        // Its first check is due at once; waking also tells the ticker the thread is busy until it parks.
        ticker.unpark(heartbeatChecker);
    }

    @Override
    public Session register(String nodeId, Node.Description description, String addr) {
        requireRunning();
        String sessionId = Ids.newId();
        long period = sessionPeriodNanos();
        // The session first: the heartbeat checker takes a ready node without one for a late one.
        SessionState session = new SessionState(sessionId, ticker.nanoTime(), period);
        sessions.put(nodeId, session);
        try {
            store.update(tx -> {
                Node node = tx.node(nodeId);
                if (node == null) throw new NodeRemovedException("node " + nodeId + " was removed from the swarm");
                tx.update(node.withDescription(description).withStatus(new Node.Status(NodeState.READY, null, addr)));
                return null;
            });
        } catch (RuntimeException e) {
            sessions.remove(nodeId, session);
            throw e;
        }
        log.info("node {} registered, session {}", nodeId, sessionId);
        // The cluster ports of every manager, so an agent can find the leader again when this one goes.
        List<String> managers = store.view(r -> r.nodes().stream()
                .filter(n -> n.managerStatus() != null && n.managerStatus().addr() != null)
                .map(n -> n.managerStatus().addr()).toList());
        return new Session(sessionId, period, managers);
    }

    @Override
    public Heartbeat heartbeat(String nodeId, String sessionId) {
        requireSession(nodeId, sessionId);
        record Seen(Node node, Cluster cluster) {}
        Seen seen = store.view(r -> new Seen(r.node(nodeId), r.cluster()));
        Node node = seen.node();
        if (node == null) {
            sessions.remove(nodeId);
            throw new NodeRemovedException("node " + nodeId + " was removed from the swarm");
        }
        Cluster c = seen.cluster();
        long period = sessionPeriodNanos();
        sessions.put(nodeId, new SessionState(sessionId, ticker.nanoTime(), period));
        return new Heartbeat(period, node.certifiedRole(), c == null || c.rootCa() == null ? null : RootCaChange.forNodes(c));
    }

    @Override
    public AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener) {
        requireSession(nodeId, sessionId);
        Watch watch = store.watch();
        NodeNetworks networks = new NodeNetworks(nodeId);
        NodeDependencies dependencies = new NodeDependencies(nodeId);
        record Complete(List<Task> tasks, NodeNetworks.Delta networks, Dependencies dependencies) {}
        Complete complete = store.view(r -> new Complete(
                r.tasksOfNode(nodeId).stream().filter(Dispatcher::isAssigned).toList(), networks.refresh(r),
                dependencies.refresh(r)));
        listener.accept(new Assignments(Assignments.Type.COMPLETE, complete.tasks(), List.of(),
                complete.networks().changed(), List.of(), complete.dependencies()));
        Thread stream = Thread.ofVirtual().name("assignments-" + nodeId).start(() -> {
            try (watch) {
                while (running && sessionId.equals(currentSession(nodeId))) {
                    List<Task> changed = new ArrayList<>();
                    List<String> removed = new ArrayList<>();
                    boolean networksMayChange = false;
                    boolean dependenciesMayChange = false;
                    boolean rootCaChanged = false;
                    for (Event e : watch.next(500)) {
                        if (e.kind() == Kind.TASK) classify(nodeId, (Task) e.before(), (Task) e.after(), changed, removed);
                        networksMayChange |= NodeNetworks.concerns(e);
                        dependenciesMayChange |= NodeDependencies.concerns(e);
                        rootCaChanged |= e.kind() == Kind.CLUSTER && rootCaChanged((Cluster) e.before(), (Cluster) e.after());
                    }
                    NodeNetworks.Delta delta = networksMayChange ? store.view(networks::refresh)
                            : new NodeNetworks.Delta(List.of(), List.of());
                    Dependencies deps = dependenciesMayChange ? store.view(dependencies::refresh) : Dependencies.NONE;
                    // An empty message is the nudge to beat now: the answer says what to hold.
                    if (!changed.isEmpty() || !removed.isEmpty() || !delta.isEmpty() || !deps.isEmpty() || rootCaChanged) {
                        listener.accept(new Assignments(Assignments.Type.INCREMENTAL, changed, removed,
                                delta.changed(), delta.removed(), deps));
                    }
                }
            } catch (InterruptedException e) {
                // closed
            } catch (RuntimeException e) {
                log.warn("assignment stream of node {} ended", nodeId, e);
            }
        });
        return stream::interrupt;
    }

    /** Whether a root rotation began or ended: the issuer or the root every node is to hold changed. */
    private static boolean rootCaChanged(Cluster before, Cluster after) {
        return before != null && after != null && !Objects.equals(before.tlsInfo(), after.tlsInfo());
    }

    /** What a change of one task means to a node: news (assigned, told to stop, respecified), or removal. */
    private static void classify(String nodeId, Task before, Task after, List<Task> changed, List<String> removed) {
        boolean wasHere = before != null && nodeId.equals(before.nodeId()) && isAssigned(before);
        boolean isHere = after != null && nodeId.equals(after.nodeId()) && isAssigned(after);
        if (isHere) {
            // The node's own status reports come back as changes too; only news is sent.
            if (!wasHere || before.desiredState() != after.desiredState() || !Objects.equals(before.spec(), after.spec())) {
                changed.add(after);
            }
        } else if (wasHere) {
            removed.add(before.id());
        }
    }

    static boolean isAssigned(Task t) {
        return !t.state().isBefore(TaskState.ASSIGNED);
    }

    @Override
    public void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        requireSession(nodeId, sessionId);
        for (TaskStatusUpdate u : updates) reports.add(new Reported(nodeId, u));
    }

    private void writeStatuses() {
        while (running) {
            try {
                List<Reported> batch = new ArrayList<>();
                Reported first = reports.poll(500, TimeUnit.MILLISECONDS);
                if (first == null) continue;
                Thread.sleep(STATUS_BATCH_MILLIS);
                batch.add(first);
                reports.drainTo(batch);
                writeWithRetry(batch);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void writeWithRetry(List<Reported> batch) {
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                store.batch(b -> {
                    for (Reported r : batch) b.update(tx -> apply(tx, r));
                });
                return;
            } catch (ApiException e) {
                // A manager changed one of these tasks meanwhile; the retry reads them afresh.
                log.debug("status write retried: {}", e.getMessage());
            }
        }
        log.warn("dropped {} task status reports after repeated conflicts", batch.size());
    }

    private static void apply(io.shoal.store.Tx tx, Reported r) {
        Task t = tx.task(r.update().taskId());
        if (t == null || !r.nodeId().equals(t.nodeId())) return;
        var status = r.update().status();
        // Observed state only moves forward: a late report of an earlier state is dropped.
        if (status.state().isBefore(t.state())) return;
        if (status.state() == t.state() && Objects.equals(status.message(), t.status().message())
                && Objects.equals(status.containerStatus(), t.status().containerStatus())) {
            return;
        }
        tx.update(t.withStatus(status));
    }

    /**
     * Marks nodes down once they are late, then waits until the next one would be. It looks again
     * at least once a period, so that a session registered meanwhile (late three periods after
     * that at the earliest) is not overslept.
     */
    private void checkHeartbeats() {
        while (running) {
            long now = ticker.nanoTime();
            long next = now + CHECK_RETRY_NANOS;
            try {
                next = markLateNodesDown(now);
            } catch (RuntimeException e) {
                log.debug("heartbeat check: {}", e.getMessage());
            }
            ticker.parkUntil(next);
        }
    }

    /** Marks the ready nodes that are late at {@code now} down; returns when to look again. */
    private long markLateNodesDown(long now) {
        long period = heartbeatPeriodNanos();
        List<Node> ready = store.view(r -> r.nodes().stream().filter(Node::isReady).toList());
        long next = now + period;
        List<Node> late = new ArrayList<>();
        for (Node n : ready) {
            long downAt = downAt(sessions.get(n.id()), period);
            if (now - downAt >= 0) late.add(n);
            else if (downAt - next < 0) next = downAt;
        }
        if (late.isEmpty()) return next;
        store.batch(b -> {
            for (Node n : late) {
                SessionState s = sessions.get(n.id());
                // Only the session found late goes: a node that registered again meanwhile stays up.
                if (now - downAt(s, period) < 0) continue;
                if (s != null) sessions.remove(n.id(), s);
                log.warn("node {} missed its heartbeats: marking it down", n.id());
                b.update(tx -> tx.update(n.withStatus(new Node.Status(NodeState.DOWN, "heartbeat failure", n.status().addr()))));
            }
        });
        return next;
    }

    /**
     * When a node with this session (null: none since this dispatcher started) has missed its
     * heartbeats: once more than the grace time has passed since the last one.
     */
    private long downAt(SessionState s, long period) {
        long last = s == null ? startedNanos : s.lastHeartbeatNanos();
        // A shortened period applies to a node only once it has been told it.
        long grace = Math.max(period, s == null ? period : s.periodNanos()) * GRACE_MULTIPLIER;
        return last + grace + 1;
    }

    /**
     * The period a session is told. Nodes learn of a root rotation, and of its end, from heartbeats
     * (swarmkit pushes it down the session stream): while one is in progress they beat often, so
     * that it ends in seconds whatever the swarm's period.
     */
    private long sessionPeriodNanos() {
        long period = heartbeatPeriodNanos();
        Cluster c = store.view(r -> r.cluster());
        return c != null && c.rootRotationInProgress() ? Math.min(period, ROTATION_HEARTBEAT_NANOS) : period;
    }

    private long heartbeatPeriodNanos() {
        Cluster c = store.view(r -> r.cluster());
        Long p = c == null || c.spec() == null || c.spec().dispatcher() == null ? null : c.spec().dispatcher().heartbeatPeriod();
        return p == null || p <= 0 ? Defaults.HEARTBEAT_PERIOD : p;
    }

    private String currentSession(String nodeId) {
        SessionState s = sessions.get(nodeId);
        return s == null ? null : s.sessionId();
    }

    private void requireRunning() {
        if (!running) throw ApiException.unavailable("this manager is not the leader any more");
    }

    private void requireSession(String nodeId, String sessionId) {
        requireRunning();
        if (sessionId == null || !sessionId.equals(currentSession(nodeId))) {
            throw new SessionInvalidException("session " + sessionId + " of node " + nodeId + " is not valid");
        }
    }

    @Override
    public void close() {
        running = false;
        statusWriter.interrupt();
        heartbeatChecker.interrupt();
    }
}
