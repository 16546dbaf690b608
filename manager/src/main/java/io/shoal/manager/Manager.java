package io.shoal.manager;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.manager.allocator.Allocator;
import io.shoal.manager.ca.RootRotationReconciler;
import io.shoal.manager.dispatcher.Dispatcher;
import io.shoal.manager.keymanager.KeyManager;
import io.shoal.manager.orchestrator.global.GlobalOrchestrator;
import io.shoal.manager.orchestrator.jobs.GlobalJobOrchestrator;
import io.shoal.manager.orchestrator.jobs.ReplicatedJobOrchestrator;
import io.shoal.manager.orchestrator.replicated.ReplicatedOrchestrator;
import io.shoal.manager.orchestrator.restart.RestartSupervisor;
import io.shoal.manager.orchestrator.taskreaper.TaskReaper;
import io.shoal.manager.orchestrator.update.Updater;
import io.shoal.manager.role.RaftMembers;
import io.shoal.manager.role.RoleManager;
import io.shoal.manager.scheduler.Scheduler;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What runs on the Raft leader: the controllers and the dispatcher. Started when this manager
 * becomes leader, stopped when it stops being one; level-triggered controllers make the handover
 * safe. As a {@link Dispatcher} it serves the leader's sessions, and refuses them (503) while it
 * does not lead, so the agent calling looks for the leader elsewhere.
 */
public final class Manager implements DispatcherProtocol {
    private static final Logger log = LoggerFactory.getLogger(Manager.class);

    private final Store store;
    private final Clock clock;
    private final Ticker ticker;
    private final RaftMembers raft;
    private final Duration networkKeyRotation;
    private List<Controller> controllers = List.of();
    private Dispatcher dispatcher;
    /** Once closed (its store is closing), a late leadership callback starts nothing here. */
    private boolean closed;

    /** {@code clock} stamps what the controllers write; {@code ticker} times their delays and deadlines. */
    public Manager(Store store, Clock clock, Ticker ticker, RaftMembers raft) {
        this(store, clock, ticker, raft, KeyManager.DEFAULT_ROTATION);
    }

    /** {@code networkKeyRotation}: how often encrypted networks get a new preshared key (see {@link KeyManager}). */
    public Manager(Store store, Clock clock, Ticker ticker, RaftMembers raft, Duration networkKeyRotation) {
        this.store = store;
        this.clock = clock;
        this.ticker = ticker;
        this.raft = raft;
        this.networkKeyRotation = networkKeyRotation;
    }

    public synchronized void lead() {
        if (dispatcher != null || closed) return;
        log.info("became leader: starting controllers and dispatcher");
        dispatcher = new Dispatcher(store, clock, ticker);
        controllers = List.of(
                new ReplicatedOrchestrator(store, clock, ticker),
                new GlobalOrchestrator(store, clock, ticker),
                new ReplicatedJobOrchestrator(store, clock, ticker),
                new GlobalJobOrchestrator(store, clock, ticker),
                new RestartSupervisor(store, clock, ticker),
                new Updater(store, clock, ticker),
                new TaskReaper(store, clock, ticker),
                new Allocator(store, clock, ticker),
                new Scheduler(store, clock, ticker),
                new KeyManager(store, clock, ticker, networkKeyRotation),
                new RootRotationReconciler(store, clock, ticker),
                new RoleManager(store, clock, ticker, raft));
        controllers.forEach(Controller::start);
    }

    public synchronized void follow() {
        if (dispatcher == null) return;
        log.info("no longer leader: stopping controllers and dispatcher");
        controllers.forEach(Controller::stop);
        controllers = List.of();
        dispatcher.close();
        dispatcher = null;
    }

    /** Stops what runs here for good: a leadership change reported after this starts nothing. */
    public synchronized void close() {
        closed = true;
        follow();
    }

    /** Whether this manager leads: its controllers and dispatcher run. */
    public synchronized boolean leads() {
        return dispatcher != null;
    }

    private synchronized Dispatcher leading() {
        if (dispatcher == null) throw ApiException.unavailable("this manager is not the leader");
        return dispatcher;
    }

    @Override
    public Session register(String nodeId, Node.Description description, String addr) {
        return leading().register(nodeId, description, addr);
    }

    @Override
    public Heartbeat heartbeat(String nodeId, String sessionId) {
        return leading().heartbeat(nodeId, sessionId);
    }

    @Override
    public AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener) {
        return leading().assignments(nodeId, sessionId, listener);
    }

    @Override
    public void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        leading().updateTaskStatus(nodeId, sessionId, updates);
    }
}
