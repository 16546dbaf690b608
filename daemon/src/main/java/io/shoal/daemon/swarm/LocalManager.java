package io.shoal.daemon.swarm;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.NodeState;
import io.shoal.api.Reachability;
import io.shoal.common.HostPort;
import io.shoal.manager.Manager;
import io.shoal.manager.Ticker;
import io.shoal.manager.ca.ClusterCa;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.control.NodeControl;
import io.shoal.manager.role.Quorum;
import io.shoal.manager.role.RaftMembers;
import io.shoal.pki.MutableTls;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeKeys;
import io.shoal.pki.NodeRole;
import io.shoal.pki.TlsManagers;
import io.shoal.rpc.RaftMembership;
import io.shoal.rpc.RpcServer;
import io.shoal.rpc.StateTransfer;
import io.shoal.store.MemoryStore;
import io.shoal.store.Store;
import io.shoal.store.raft.RaftNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager a node runs while its role is manager (swarmkit's manager.Manager beside the node's
 * agent): its member of the managers' Raft group and the store that group replicates, the
 * controllers and dispatcher while it leads, the control API, and the cluster port that serves the
 * dispatcher, the CA, Raft membership and state transfer to the other nodes; and it keeps the
 * node's key files under the swarm's unlock key ({@link UnlockKeyFollower}).
 */
final class LocalManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LocalManager.class);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    final Store store;
    final ControlApi control;
    private final SwarmState state;
    private final MutableTls tls;
    private final MemoryStore memory = new MemoryStore();
    private final RaftNode raft;
    private final Manager manager;
    private final CountDownLatch firstLeadership = new CountDownLatch(1);
    private final CountDownLatch wired = new CountDownLatch(1);
    private final ExecutorService leadership = Executors.newSingleThreadExecutor(Thread.ofVirtual().factory());
    private final UnlockKeyFollower unlockKey;
    private RpcServer clusterPort;

    /**
     * Starts the Raft member: {@code start} says whether it forms a new group, joins one (the
     * leader adds it when asked through {@link #join}) or resumes from its own files. Raft is
     * mutual TLS with the node's certificate from the start.
     */
    LocalManager(SwarmState state, Path raftDir, MutableTls tls, NodeKeys keys, RaftNode.Start start, Clock clock,
                 Duration networkKeyRotation) throws IOException {
        this.state = state;
        this.tls = tls;
        raft = new RaftNode(raftDir, state.nodeId(), state.raftAddress(), state.listen().host(), state.clusterId(), memory,
                keys.dataKey(), this::fetchState,
                new RaftNode.Tls(TlsManagers.keyManager(tls), TlsManagers.trustManager(tls, NodeRole.MANAGER)),
                this::onLeadership, start);
        store = new Store(memory, raft, clock);
        manager = new Manager(store, clock, Ticker.SYSTEM, raftMembers(), networkKeyRotation);
        control = new ControlApi(store, clock, raft::leaderId);
        unlockKey = new UnlockKeyFollower(store, keys);
        wired.countDown();
    }

    /** How a manager restarts from {@code raftDir}: from its files, or as a new group's first member when it has none. */
    static RaftNode.Start resumeFrom(Path raftDir, String clusterId) throws IOException {
        return RaftNode.hasState(raftDir, clusterId) ? RaftNode.Start.RESUME : RaftNode.Start.BOOTSTRAP;
    }

    /** The leader's dispatcher while this manager leads (it refuses calls otherwise). */
    Manager dispatcher() {
        return manager;
    }

    boolean leads() {
        return manager.leads();
    }

    /** The cluster port of the manager that leads, as the store has it, or null when none is known. */
    String leaderAddress() {
        String leader = raft.leaderId();
        Node node = leader == null ? null : store.view(r -> r.node(leader));
        return node == null || node.managerStatus() == null ? null : node.managerStatus().addr();
    }

    /** The cluster ports of every member of the managers' Raft group, as the store has them. */
    List<String> managerAddresses() {
        return store.view(NodeControl::raftMembers).stream().map(n -> n.managerStatus().addr())
                .filter(a -> a != null).toList();
    }

    /** Asks the managers, one after the other, to add this one to the Raft group, then catches up. */
    void join(List<String> managers) {
        RuntimeException failure = ApiException.unavailable("no manager to join the Raft group through");
        for (String addr : managers) {
            try {
                RaftMembership.request(addr, tls, state.raftAddress(), state.advertiseAddr());
                awaitStore();
                return;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        throw failure;
    }

    /** Waits until this manager's copy of the store holds the swarm, as a member that just joined must. */
    void awaitStore() {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (store.view(r -> r.cluster()) == null) {
            if (System.nanoTime() > deadline) {
                throw ApiException.unavailable("this manager did not catch up with the swarm within %d s", CATCH_UP.toSeconds());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.unavailable("interrupted while catching up with the swarm");
            }
        }
    }

    /** Waits until this member first leads, as the only member of a new group does at once. */
    void awaitLeader() {
        try {
            if (!firstLeadership.await(CATCH_UP.toSeconds(), TimeUnit.SECONDS)) {
                throw ApiException.unavailable("no Raft leader after %d s", CATCH_UP.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while waiting for a Raft leader");
        }
    }

    private void onLeadership(boolean leading) {
        // Ratis calls back on its own threads; starting controllers must not hold them up, and
        // one thread keeps the transitions in order.
        try {
            leadership.execute(() -> {
                try {
                    wired.await();
                } catch (InterruptedException e) {
                    return;
                }
                if (leading) {
                    manager.lead();
                    firstLeadership.countDown();
                } else {
                    manager.follow();
                }
            });
        } catch (RejectedExecutionException e) {
            // closing: the manager leads no more, whatever Raft reports on its way down
        }
    }

    /** Opens the cluster port where the node's state says it listens, with the node's certificate. */
    void openClusterPort() throws IOException {
        ClusterCa ca = new ClusterCa(store, manager::leads);
        HostPort listen = state.listen();
        clusterPort = RpcServer.builder(new InetSocketAddress(listen.host(), listen.port()), tls)
                .dispatcher(manager)
                .certificateAuthority(ca)
                .peerAuthorizer(ca::authorize)
                .raftMembership(this::admit)
                .stateTransfer(this::exportState)
                .start();
        log.info("cluster port open on {}", listen);
    }

    /** A manager that joined with a manager token, or was promoted, asks to be a Raft member: the leader adds it. */
    private void admit(NodeIdentity peer, String raftAddress, String clusterAddress) {
        // A demoted manager's old certificate still says manager until it is renewed.
        Node joining = store.view(r -> r.node(peer.nodeId()));
        if (joining == null || joining.certifiedRole() != NodeRole.MANAGER) {
            throw new ApiException(403, "node " + peer.nodeId() + " is not a manager of this swarm");
        }
        try {
            raft.addMember(peer.nodeId(), raftAddress);
        } catch (IOException e) {
            throw ApiException.unavailable("adding %s to the Raft group failed: %s", peer.nodeId(), e.getMessage());
        }
        store.update(tx -> {
            Node node = tx.node(peer.nodeId());
            if (node != null) tx.update(node.withManagerStatus(new Node.ManagerStatus(false, Reachability.REACHABLE, clusterAddress)));
            return null;
        });
        log.info("manager {} joined the Raft group at {}", peer.nodeId(), raftAddress);
    }

    /**
     * The store from another manager, for this one to catch up: the managers it knows of (from
     * its own copy of the store, and those it was given), over mutual TLS.
     */
    private byte[] fetchState(long minIndex) throws IOException {
        Set<String> managers = new LinkedHashSet<>(managerAddresses());
        managers.remove(state.advertiseAddr());
        managers.addAll(state.remoteManagers());
        IOException failed = new IOException("no manager could give the swarm's state at index " + minIndex + " or later");
        for (String addr : managers) {
            try {
                return StateTransfer.fetch(addr, tls, minIndex);
            } catch (RuntimeException e) {
                failed.addSuppressed(e);
            }
        }
        throw failed;
    }

    /** This manager's store for another that catches up, if it has applied far enough. */
    private byte[] exportState(long minIndex) {
        if (memory.appliedIndex() < minIndex) {
            throw ApiException.unavailable("this manager has not applied index %d yet", minIndex);
        }
        try {
            return raft.exportState();
        } catch (IOException e) {
            throw ApiException.unavailable("cannot export the store: %s", e.getMessage());
        }
    }

    private RaftMembers raftMembers() {
        return new RaftMembers() {
            @Override
            public Set<String> members() {
                return raft.members().keySet();
            }

            @Override
            public String self() {
                return state.nodeId();
            }

            @Override
            public void remove(String memberId) throws IOException {
                raft.removeMember(memberId);
            }

            @Override
            public void transferLeadership(String memberId, Duration timeout) throws IOException {
                raft.transferLeadership(memberId, timeout);
            }
        };
    }

    /**
     * Leaves the Raft group as this manager leaves the swarm with --force: its node goes down and
     * the group goes on without it. Best effort, since a forced leave must succeed even when the
     * swarm has no quorum left to take these writes. The last member has no group to leave.
     */
    void leaveRaft() {
        try {
            if (raft.members().size() <= 1) return;
            store.update(tx -> {
                Node n = tx.node(state.nodeId());
                if (n != null) {
                    tx.update(n.withStatus(new Node.Status(NodeState.DOWN, "node left the swarm", n.status() == null ? null : n.status().addr()))
                            .withManagerStatus(null));
                }
                return null;
            });
            if (raft.isLeader()) {
                Optional<String> successor = Quorum.successor(store.view(NodeControl::raftMembers), state.nodeId());
                if (successor.isPresent()) raft.transferLeadership(successor.get(), Duration.ofSeconds(5));
            }
            raft.removeMember(state.nodeId());
            log.info("left the Raft group");
        } catch (RuntimeException | IOException e) {
            log.warn("leaving the Raft group failed (the managers will see this node down): {}", e.getMessage());
        }
    }

    /** Stops the controllers and dispatcher, if they run here, for good: nothing more is decided on this manager. */
    void stopLeading() {
        leadership.shutdownNow();
        manager.close();
    }

    @Override
    public void close() {
        if (clusterPort != null) clusterPort.close();
        unlockKey.close();
        stopLeading();
        try {
            raft.close();
        } catch (IOException e) {
            log.warn("closing raft: {}", e.getMessage());
        }
    }
}
