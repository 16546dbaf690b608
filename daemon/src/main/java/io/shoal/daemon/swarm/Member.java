package io.shoal.daemon.swarm;

import io.shoal.agent.Agent;
import io.shoal.agent.Worker;
import io.shoal.agent.exec.Executor;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.pki.DataKey;
import io.shoal.pki.MutableTls;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeKeys;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node as a member of a swarm, whatever its role: its certificate (renewed before it
 * expires), the worker that runs its tasks and the agent that keeps its session with the
 * managers. They live as long as the membership: a promotion or demotion starts or stops a
 * {@link LocalManager} beside them, and the tasks run on undisturbed.
 */
final class Member implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Member.class);
    private static final Duration STOP_TASKS = Duration.ofSeconds(60);

    private volatile SwarmState state;
    final Path dir;
    final MutableTls tls;
    final NodeKeys keys;
    final DataKey key;
    final ManagerConnection connection;
    final CertificateRenewer renewer;
    final Worker worker;
    final Agent agent;

    /**
     * @param dir the node's swarm directory: its certificate, data key, state, tasks and (as a manager) Raft files
     * @param keys the node's keys, open (unlocked)
     */
    Member(SwarmState state, Path dir, NodeKeys keys, Executor executor, Clock clock, Agent.Listener listener)
            throws IOException {
        this.state = state;
        this.dir = dir;
        this.keys = keys;
        NodeCertificates certs = keys.certificates().orElseThrow(() -> new IOException("no node certificate in " + certificatesDir(dir)));
        this.tls = new MutableTls(certs.tls());
        this.key = keys.dataKey();
        this.connection = new ManagerConnection(state.remoteManagers(), tls);
        this.renewer = new CertificateRenewer(keys, certs, tls, connection::addresses, clock);
        executor.networking().configure(state.nodeId(), state.advertise().host());
        this.worker = new Worker(executor, dir.resolve("worker"), key);
        this.agent = new Agent(state.nodeId(), state.advertise().host(), connection, executor, worker, listener, renewer::tlsInfo);
    }

    static Path certificatesDir(Path swarmDir) {
        return swarmDir.resolve("certificates");
    }

    Path raftDir() {
        return dir.resolve("raft");
    }

    SwarmState state() {
        return state;
    }

    /** Remembers the node's new state (a new role, the managers it knows). */
    void save(SwarmState next) throws IOException {
        next.save(dir.resolve("state.json"));
        state = next;
    }

    /** Re-adopts the tasks kept on disk, then opens a session with the managers. */
    void start() throws IOException {
        agent.start();
    }

    /**
     * Stops every task of this node, as leaving a swarm does: first the session ends, so nothing
     * more is assigned, then the worker is given an empty set of tasks and each is stopped; then
     * the node's networks go.
     */
    void stopAllTasks() {
        agent.disconnect();
        worker.assign(new Assignments(Assignments.Type.COMPLETE, List.of(), List.of()));
        long deadline = System.nanoTime() + STOP_TASKS.toNanos();
        while (!worker.taskIds().isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!worker.taskIds().isEmpty()) log.warn("tasks still stopping after {} s: {}", STOP_TASKS.toSeconds(), worker.taskIds());
        else worker.removeNetworks();
    }

    /** Leaves the tasks as they are (running or not), for the next daemon to re-adopt. */
    @Override
    public void close() {
        renewer.close();
        agent.close();
        connection.close();
    }
}
