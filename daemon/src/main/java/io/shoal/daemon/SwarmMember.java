package io.shoal.daemon;

import io.shoal.pki.NodeRole;
import io.shoal.manager.control.NodeControl;
import io.shoal.api.Reachability;
import io.shoal.api.NodeState;
import io.shoal.agent.Agent;
import io.shoal.agent.Worker;
import io.shoal.agent.exec.Executor;
import io.shoal.api.ApiException;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dispatcher;
import java.util.List;
import io.shoal.manager.Manager;
import io.shoal.manager.Ticker;
import io.shoal.manager.ca.ClusterCa;
import io.shoal.api.Node;
import io.shoal.rpc.RemoteDispatcher;
import io.shoal.rpc.RpcServer;
import java.net.InetSocketAddress;
import io.shoal.manager.control.ControlApi;
import io.shoal.store.MemoryStore;
import io.shoal.store.Store;
import io.shoal.pki.DataKey;
import io.shoal.pki.MutableTls;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.pki.TlsManagers;
import io.shoal.store.raft.RaftNode;
import io.shoal.rpc.StateTransfer;
import java.util.LinkedHashSet;
import java.util.Set;
import io.shoal.manager.role.Quorum;
import io.shoal.manager.role.RaftMembers;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node as a member of a swarm: its Raft member and store, the manager that runs while it
 * leads, the control API, and the agent that runs the tasks assigned to it.
 */
public final class SwarmMember implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SwarmMember.class);

    public final SwarmState state;
    public final Store store;
    public final ControlApi control;
    final Manager manager;
    private final RaftNode raft;
    private final MemoryStore memory;
    private final Agent agent;
    private final Worker worker;
    private RpcServer clusterPort;
    private final MutableTls tls;
    private final Path certificatesDir;
    private volatile CertificateRenewer renewer;
    private String remoteLeaderAddr;
    private RemoteDispatcher remoteLeader;
    private ManagerList managersInTurn;
    private final ManagerList managerList;
    private final CountDownLatch firstLeadership = new CountDownLatch(1);
    private final CountDownLatch wired = new CountDownLatch(1);
    private final ExecutorService transitions = Executors.newSingleThreadExecutor(Thread.ofVirtual().factory());

    /**
     * A manager: a member of the Raft group, running the controllers while it leads.
     *
     * @param roleChanged told the role a heartbeat reports when it is not this member's
     */
    SwarmMember(SwarmState state, Path swarmDir, Executor executor, Clock clock, boolean joining,
                Consumer<NodeRole> roleChanged) throws IOException {
        this.state = state;
        memory = new MemoryStore();
        // Signed before Raft starts (by the new swarm's root, or the CA of the swarm joined): Raft is mutual TLS from the start.
        certificatesDir = swarmDir.resolve("certificates");
        tls = new MutableTls(NodeCertificates.load(certificatesDir)
                .orElseThrow(() -> new IOException("no node certificate in " + certificatesDir)).tls());
        Path raftDir = swarmDir.resolve("raft");
        RaftNode.Start start = RaftNode.hasState(raftDir, state.clusterId()) ? RaftNode.Start.RESUME
                : joining ? RaftNode.Start.JOIN : RaftNode.Start.BOOTSTRAP;
        raft = new RaftNode(raftDir, state.nodeId(), state.raftAddress(), state.clusterId(), memory,
                dataKey(swarmDir),
                minIndex -> fetchState(minIndex),
                new RaftNode.Tls(TlsManagers.keyManager(tls), TlsManagers.trustManager(tls, NodeRole.MANAGER)), this::onLeadership, start);
        store = new Store(memory, raft, clock);
        managerList = null;
        manager = new Manager(store, clock, Ticker.SYSTEM, raftMembers());
        control = new ControlApi(store, clock, raft::leaderId);
        worker = new Worker(executor, swarmDir.resolve("worker"), dataKey(swarmDir));
        agent = new Agent(state.nodeId(), ip(state),
                new RoleWatch(new LocalDispatcher(manager, this::leaderDispatcher), state.role(), roleChanged), executor, worker);
        wired.countDown();
    }

    /**
     * The store from another manager, for this one to catch up: the managers it knows of (from
     * its own copy of the store, and the one it joined through), over mutual TLS.
     */
    private byte[] fetchState(long minIndex) throws IOException {
        Set<String> managers = new LinkedHashSet<>();
        for (Node n : store.view(r -> r.nodes())) {
            if (n.managerStatus() != null && n.managerStatus().addr() != null && !n.id().equals(state.nodeId())) {
                managers.add(n.managerStatus().addr());
            }
        }
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

    /** The dispatcher of the leader when another manager leads, over the cluster port. */
    private synchronized Dispatcher leaderDispatcher() {
        if (tls == null) return null;
        String leader = raft.leaderId();
        Node node = leader == null ? null : store.view(r -> r.node(leader));
        String addr = node == null || node.managerStatus() == null ? null : node.managerStatus().addr();
        if (addr == null) {
            // No leader known, as when this manager was just removed from the group: ask the other
            // managers in turn, as a worker does; the leader's heartbeats then say it is a worker now.
            if (managersInTurn == null && !otherManagers().isEmpty()) managersInTurn = new ManagerList(otherManagers(), tls);
            return managersInTurn;
        }
        if (!addr.equals(remoteLeaderAddr)) {
            remoteLeaderAddr = addr;
            remoteLeader = RemoteDispatcher.connect(addr, tls);
        }
        return remoteLeader;
    }

    /** The manager that leads, by Raft member id (= node id), or null. */
    public String leaderId() {
        return raft == null ? null : raft.leaderId();
    }

    /** Waits until this manager's copy of the store holds the swarm, as a member that just joined must. */
    void awaitStore() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (store.view(r -> r.cluster()) == null) {
            if (System.nanoTime() > deadline) throw ApiException.unavailable("this manager did not catch up with the swarm within 30 s");
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.unavailable("interrupted while catching up with the swarm");
            }
        }
    }

    /**
     * A worker: only the agent, talking to the managers' dispatcher over the cluster port, and the
     * renewal of its certificate through them.
     */
    SwarmMember(SwarmState state, Path swarmDir, Executor executor, ManagerList managers, CertificateRenewer renewer,
                Consumer<NodeRole> roleChanged) throws IOException {
        this.state = state;
        this.renewer = renewer;
        tls = null;
        certificatesDir = swarmDir.resolve("certificates");
        managerList = managers;
        raft = null;
        memory = null;
        store = null;
        manager = null;
        control = null;
        worker = new Worker(executor, swarmDir.resolve("worker"), dataKey(swarmDir));
        agent = new Agent(state.nodeId(), ip(state), new RoleWatch(managers, state.role(), roleChanged), executor, worker);
        firstLeadership.countDown();
        wired.countDown();
    }

    public boolean isManager() {
        return store != null;
    }

    /** The node's data key, kept beside its TLS key (swarmkit keeps its DEK in that key's PEM headers). */
    static DataKey dataKey(Path swarmDir) throws IOException {
        return DataKey.loadOrCreate(swarmDir.resolve("certificates").resolve("data.key"));
    }

    private static String ip(SwarmState state) {
        return state.advertiseAddr().substring(0, state.advertiseAddr().lastIndexOf(':'));
    }

    private void onLeadership(boolean leading) {
        // Ratis calls back on its own threads; starting controllers must not hold them up, and
        // one thread keeps the transitions in order.
        transitions.execute(() -> {
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
    }

    void awaitLeader() {
        try {
            if (!firstLeadership.await(30, TimeUnit.SECONDS)) throw ApiException.unavailable("no Raft leader after 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while waiting for a Raft leader");
        }
    }

    void startAgent() throws IOException {
        agent.start();
    }

    /** The tasks this node runs, as its worker holds them. */
    public Worker worker() {
        return worker;
    }

    /** Opens the cluster port: node RPC (dispatcher sessions, the CA, membership) over mutual TLS with this manager's certificate. */
    void openClusterPort() throws IOException {
        ClusterCa ca = new ClusterCa(store);
        NodeCertificates certs = NodeCertificates.load(certificatesDir)
                .orElseThrow(() -> new IOException("no node certificate in " + certificatesDir));
        // Any manager's CA signs (the root key is in the store): this one renews through its own cluster port.
        renewer = new CertificateRenewer(certificatesDir, certs, tls, () -> List.of(state.advertiseAddr()), Clock.systemUTC());
        String listen = state.listenAddr() != null ? state.listenAddr() : "0.0.0.0:" + port(state.advertiseAddr());
        clusterPort = RpcServer.builder(new InetSocketAddress(listen.substring(0, listen.lastIndexOf(':')), port(listen)), tls)
                .dispatcher(new LocalDispatcher(manager, () -> null))
                .certificateAuthority(ca)
                .peerAuthorizer(ca::refusal)
                .raftMembership(this::admit)
                .stateTransfer(this::exportState)
                .start();
        log.info("cluster port open on {}", listen);
    }

    /** A manager that joined with a manager token asks to be a Raft member: the leader adds it. */
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

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    boolean isLeader() {
        return raft != null && raft.isLeader();
    }

    /**
     * The cluster ports of the other managers, the leader's first: where this node renews its
     * certificate and asks to join the Raft group when its role changes.
     */
    synchronized List<String> otherManagers() {
        if (store == null) return managerList.managers();
        List<String> out = new ArrayList<>();
        if (remoteLeaderAddr != null && !remoteLeaderAddr.equals(state.advertiseAddr())) out.add(remoteLeaderAddr);
        for (Node n : store.view(NodeControl::raftMembers)) {
            String addr = n.managerStatus().addr();
            if (!n.id().equals(state.nodeId()) && addr != null && !out.contains(addr)) out.add(addr);
        }
        return out;
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
                List<Node> members = store.view(NodeControl::raftMembers);
                Optional<String> successor = Quorum.successor(members, state.nodeId());
                if (successor.isPresent()) raft.transferLeadership(successor.get(), Duration.ofSeconds(5));
            }
            raft.removeMember(state.nodeId());
            log.info("left the Raft group");
        } catch (RuntimeException | IOException e) {
            log.warn("leaving the Raft group failed (the managers will see this node down): {}", e.getMessage());
        }
    }

    /**
     * Stops every task of this node, as leaving a swarm does: the managers stop first so nothing
     * is assigned meanwhile, then the worker is given an empty set of tasks.
     */
    void stopAllTasks() {
        transitions.shutdownNow();
        if (manager != null) manager.follow();
        worker.assign(new Assignments(Assignments.Type.COMPLETE, List.of(), List.of()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!worker.taskIds().isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!worker.taskIds().isEmpty()) log.warn("tasks still stopping after 60 s: {}", worker.taskIds());
    }

    @Override
    public void close() {
        if (renewer != null) renewer.close();
        if (clusterPort != null) clusterPort.close();
        agent.close();
        transitions.shutdownNow();
        // The channels the agent used: a node that changes role closes this membership and goes on.
        synchronized (this) {
            if (managerList != null) managerList.close();
            if (managersInTurn != null) managersInTurn.close();
            if (remoteLeader != null) remoteLeader.close();
        }
        if (manager == null) return;
        manager.follow();
        try {
            raft.close();
        } catch (IOException e) {
            log.warn("closing raft: {}", e.getMessage());
        }
    }
}
