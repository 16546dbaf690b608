package io.shoal.agent;

import io.shoal.agent.exec.Executor;
import io.shoal.api.Defaults;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.pki.NodeRole;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of the dispatcher protocol (swarmkit's agent.Agent). Two virtual threads:
 * the session loop registers, subscribes the worker to assignments and heartbeats at the period
 * the manager sets, registering again with backoff when the session is invalid or a call fails;
 * the status loop sends the worker's status reports in batches, retrying a batch until it is
 * delivered. The current session is owned by the session loop; the status loop only reads it,
 * and reports it broken. What the managers say of the node itself (its certified role, its
 * removal) goes to the {@link Listener}; once the node is removed the agent stops trying.
 */
public final class Agent implements AutoCloseable {

    /** What the managers tell a node about itself through its session. */
    public interface Listener {
        /** The role the managers certify this node for, as every heartbeat says it. */
        void certifiedRole(NodeRole role);

        /**
         * The certificate every node is to hold, as every heartbeat says it: the roots to trust
         * and the issuer (they change in a root rotation).
         */
        void wantedTls(Node.TlsInfo tls);

        /** The swarm no longer has this node; the agent has stopped its sessions. */
        void removed(String reason);
    }

    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final String nodeId;
    private final String addr;
    private final DispatcherProtocol dispatcher;
    private final Executor executor;
    private final Worker worker;
    private final Listener listener;
    private final Supplier<Node.TlsInfo> tlsInfo;
    private final Thread sessionLoop;
    private final Thread statusLoop;

    private DispatcherProtocol.Session session; // guarded by this; written by the session loop
    private boolean closed; // guarded by this
    private boolean describeAgain; // guarded by this
    private boolean beatNow; // guarded by this

    /**
     * @param addr the address this node advertises to the managers
     * @param executor describes the node on registration; should be the worker's executor
     * @param tlsInfo the node's certificate as its description reports it
     */
    public Agent(String nodeId, String addr, DispatcherProtocol dispatcher, Executor executor, Worker worker, Listener listener,
                 Supplier<Node.TlsInfo> tlsInfo) {
        this.nodeId = nodeId;
        this.addr = addr;
        this.dispatcher = dispatcher;
        this.executor = executor;
        this.worker = worker;
        this.listener = listener;
        this.tlsInfo = tlsInfo;
        // Platform threads: heartbeats must keep their period however busy the virtual threads are.
        this.sessionLoop = Thread.ofPlatform().daemon().name("agent-session").unstarted(this::runSessions);
        this.statusLoop = Thread.ofPlatform().daemon().name("agent-status").unstarted(this::runStatus);
    }

    /** Re-adopts the worker's tasks from disk, then connects. */
    public void start() throws IOException {
        worker.start();
        sessionLoop.start();
        statusLoop.start();
    }

    /** Ends the sessions with the managers: no assignment reaches the worker any more, no status leaves it. */
    public void disconnect() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        sessionLoop.interrupt();
        statusLoop.interrupt();
        try {
            sessionLoop.join();
            statusLoop.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Registers again, with the node's description as it is now: its certificate changed, and the
     * managers learn it from the description (swarmkit's agent restarts its session for the same
     * reason). The tasks are not touched: the new session's assignments are the ones they run.
     */
    public synchronized void describeAgain() {
        describeAgain = true;
        session = null;
        notifyAll();
    }

    /** Disconnects and closes the worker; tasks keep running. */
    @Override
    public void close() {
        disconnect();
        worker.close();
    }

    private void runSessions() {
        var backoff = new Backoff();
        // A manager marks a node down after a few heartbeat periods without it, a new leader too:
        // retrying a session less often than one period would get us marked down while looking for it.
        Duration retryCap = Backoff.MAX;
        try {
            while (!isClosed()) {
                DispatcherProtocol.Session s = null;
                AutoCloseable subscription = null;
                try {
                    takeDescribeAgain();
                    s = dispatcher.register(nodeId, executor.describe().withTlsInfo(tlsInfo.get()), addr);
                    subscription = dispatcher.assignments(nodeId, s.sessionId(), this::assigned);
                    setSession(s);
                    if (hadSession) worker.reportAgain();
                    hadSession = true;
                    backoff.reset();
                    LOG.info("session {} with the dispatcher", s.sessionId());
                    long period = s.heartbeatPeriodNanos();
                    retryCap = Duration.ofNanos(period);
                    while (awaitHeartbeat(s, period)) {
                        DispatcherProtocol.Heartbeat beat = dispatcher.heartbeat(nodeId, s.sessionId());
                        if (beat.role() != null) listener.certifiedRole(beat.role());
                        if (beat.tls() != null) listener.wantedTls(beat.tls());
                        period = beat.periodNanos();
                        retryCap = Duration.ofNanos(period);
                    }
                } catch (DispatcherProtocol.NodeRemovedException e) {
                    LOG.warn("this node was removed from the swarm; the agent stops: {}", e.getMessage());
                    listener.removed(e.getMessage());
                    return;
                } catch (DispatcherProtocol.SessionInvalidException e) {
                    LOG.info("session invalid, registering again: {}", e.getMessage());
                } catch (RuntimeException e) {
                    LOG.warn("dispatcher call failed, registering again: {}", e.toString());
                } finally {
                    sessionBroken(s);
                    closeQuietly(subscription);
                }
                if (!takeDescribeAgain()) backoff.sleep(retryCap);
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Whether a session came before the current one, whose leader may have lost statuses it acknowledged. */
    private boolean hadSession; // the session thread's own

    private void runStatus() {
        var backoff = new Backoff();
        try {
            while (!isClosed()) {
                List<TaskStatusUpdate> batch = worker.takeStatuses();
                for (;;) {
                    DispatcherProtocol.Session s = awaitSession();
                    try {
                        dispatcher.updateTaskStatus(nodeId, s.sessionId(), batch);
                        backoff.reset();
                        break;
                    } catch (DispatcherProtocol.SessionInvalidException e) {
                        sessionBroken(s);
                    } catch (RuntimeException e) {
                        LOG.warn("sending {} task statuses failed, retrying: {}", batch.size(), e.toString());
                    }
                    backoff.sleep();
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Waits one heartbeat period, or until nudged; false when the session broke, is to be registered again, or the agent closed meanwhile. */
    private synchronized boolean awaitHeartbeat(DispatcherProtocol.Session s, long periodNanos) throws InterruptedException {
        long deadline = System.nanoTime() + (periodNanos > 0 ? periodNanos : Defaults.HEARTBEAT_PERIOD);
        for (long left; session == s && !closed && !describeAgain && !beatNow && (left = deadline - System.nanoTime()) > 0; ) {
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        beatNow = false;
        return session == s && !closed && !describeAgain;
    }

    private synchronized DispatcherProtocol.Session awaitSession() throws InterruptedException {
        while (session == null) wait();
        return session;
    }

    private synchronized void setSession(DispatcherProtocol.Session s) {
        session = s;
        notifyAll();
    }

    /** Forgets the session if it is still the current one, so that the session loop registers again. */
    private synchronized void sessionBroken(DispatcherProtocol.Session s) {
        if (s != null && session == s) {
            session = null;
            notifyAll();
        }
    }

    /** Gives the worker its tasks; an empty incremental message is the managers' nudge to heartbeat now. */
    private void assigned(Assignments a) {
        boolean empty = a.type() == Assignments.Type.INCREMENTAL && a.changed().isEmpty() && a.removed().isEmpty()
                && a.networks().isEmpty() && a.removedNetworks().isEmpty();
        if (!empty) {
            worker.assign(a);
            return;
        }
        synchronized (this) {
            beatNow = true;
            notifyAll();
        }
    }

    private synchronized boolean takeDescribeAgain() {
        boolean was = describeAgain;
        describeAgain = false;
        return was;
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) return;
        try {
            c.close();
        } catch (Exception e) {
            LOG.debug("closing the assignment stream: {}", e.toString());
        }
    }
}
