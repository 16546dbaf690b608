package io.shoal.daemon;

import io.shoal.pki.NodeRole;
import io.shoal.manager.control.SwarmControl;
import io.shoal.manager.control.NodeControl;
import io.shoal.api.Reachability;
import io.shoal.api.NodeState;
import io.shoal.api.NodeAvailability;
import io.shoal.common.FileTrees;
import io.shoal.agent.exec.Executor;
import io.shoal.agent.image.ImageStore;
import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Defaults;
import io.shoal.api.Ids;
import io.shoal.api.Node;
import io.shoal.api.SwarmSpec;
import io.shoal.api.Version;
import io.shoal.manager.ca.ClusterCa;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.role.Quorum;
import io.shoal.pki.JoinToken;
import io.shoal.pki.MutableTls;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeRole;
import io.shoal.pki.RootCa;
import io.shoal.rpc.CaClient;
import io.shoal.rpc.RaftMembership;
import io.shoal.api.StoredObject;
import io.shoal.store.raft.RaftNode;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shoal daemon: a node that is either outside any swarm or a member of one. It owns the
 * swarm membership's lifecycle (init, resume after a restart, leave); the Engine API reads and
 * writes through it.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    public static final String ENGINE_VERSION = "28.0.0-shoal";

    private final DaemonOptions options;
    private final Executor executor;
    private final ImageStore images;
    private final Clock clock = Clock.systemUTC();
    private volatile SwarmMember member;
    private final AtomicBoolean switchingRole = new AtomicBoolean();

    public Daemon(DaemonOptions options, Executor executor, ImageStore images) throws IOException {
        this.options = options;
        this.executor = executor;
        this.images = images;
        SwarmState saved = SwarmState.load(stateFile());
        if (saved != null && saved.role() == NodeRole.WORKER) {
            log.info("resuming swarm membership as worker node {}", saved.nodeId());
            member = worker(saved, loadCertificates());
            member.startAgent();
        } else if (saved != null) {
            log.info("resuming swarm membership as node {}", saved.nodeId());
            // The operator's --listen-addr wins over the saved one: a data dir restored on another host listens there.
            SwarmState resumed = options.listenAddrExplicit() ? saved.withListenAddr(options.listenAddr()) : saved;
            member = new SwarmMember(resumed, swarmDir(), executor, clock, false, this::roleReported);
            try {
                member.awaitStore();
            } catch (ApiException e) {
                // Without a quorum and with nothing applied yet: serve anyway, so that
                // `docker swarm init --force-new-cluster` can recover this manager.
                log.warn("resumed without the swarm's state: {}", e.getMessage());
            }
            member.openClusterPort();
            member.startAgent();
        }
    }

    public DaemonOptions options() {
        return options;
    }

    public Executor executor() {
        return executor;
    }

    public ImageStore images() {
        return images;
    }

    /**
     * The container (task) on this node that uses an image, or null: an image in use is not
     * removed without force.
     */
    public String containerUsing(String imageId) {
        SwarmMember m = member;
        if (m == null) return null;
        return m.worker().held().stream().map(io.shoal.agent.Worker.Held::task)
                .filter(t -> !t.state().isTerminal() && t.spec().containerSpec() != null)
                .filter(t -> images.find(t.spec().containerSpec().image()).map(i -> i.id().equals(imageId)).orElse(false))
                .map(io.shoal.api.Task::id)
                .findFirst().orElse(null);
    }

    /** The swarm membership, or null outside a swarm. */
    public SwarmMember member() {
        return member;
    }

    public io.shoal.manager.control.ControlApi control() {
        return manager().control;
    }

    /** The membership of a manager, or Docker's refusal. */
    public SwarmMember manager() {
        SwarmMember m = member;
        if (m == null) {
            throw ApiException.unavailable("This node is not a swarm manager. Use \"docker swarm init\" or "
                    + "\"docker swarm join\" to connect this node to swarm and try again.");
        }
        if (!m.isManager()) {
            throw ApiException.unavailable("This node is not a swarm manager. Worker nodes can't be used to view or "
                    + "modify cluster state. Please run this command on a manager node or promote the current node to a manager.");
        }
        return m;
    }

    /**
     * Joins the swarm of the manager at {@code remote}: checks that its root CA is the one the token
     * names, gets a node certificate for the token, then runs an agent against the managers.
     */
    public synchronized void join(List<String> remoteAddrs, String token, String listenAddr, String advertiseAddr,
                                  NodeAvailability availability) throws IOException {
        requireOutsideSwarm();
        if (remoteAddrs == null || remoteAddrs.isEmpty()) throw ApiException.invalid("at least 1 RemoteAddr is required to join");
        JoinToken joinToken = JoinToken.parse(token);
        String remote = remoteAddrs.getFirst();
        RootCa root = RootCa.fromCertificatePem(CaClient.fetchRootCa(remote, java.time.Duration.ofSeconds(10)));
        joinToken.checkRootCa(root);
        NodeCertificates.Request request = NodeCertificates.Request.generate();
        NodeCertificates certs;
        try (CaClient ca = CaClient.joining(remote, List.of(root.certificate()))) {
            certs = NodeCertificates.of(request, ca.issue(request.csrPem(), token, null));
        }
        Files.createDirectories(swarmDir());
        certs.save(certificatesDir());
        String ip = advertiseIp(advertiseAddr != null && !advertiseAddr.isEmpty() ? advertiseAddr : options.advertiseAddr());
        String nodeId = certs.identity().nodeId();
        if (certs.identity().role() == NodeRole.MANAGER) {
            joinAsManager(nodeId, certs, ip, listenAddr, remoteAddrs);
            return;
        }
        SwarmState state = new SwarmState(nodeId, certs.identity().clusterId(), null,
                ip + ":" + port(options.listenAddr(), 2377), NodeRole.WORKER, null, List.copyOf(remoteAddrs));
        state.save(stateFile());
        SwarmMember m = worker(state, certs);
        m.startAgent();
        member = m;
        log.info("joined swarm {} as worker node {}", state.clusterId(), state.nodeId());
    }

    /** A manager token: become a Raft member (the leader adds us), catch up, then serve like any manager. */
    private void joinAsManager(String nodeId, NodeCertificates certs, String ip, String requestedListen,
                               List<String> remoteAddrs) throws IOException {
        SwarmState state = managerState(nodeId, certs.identity().clusterId(), ip, requestedListen, remoteAddrs);
        SwarmMember m = new SwarmMember(state, swarmDir(), executor, clock, true, this::roleReported);
        start(m, state, () -> joinRaft(m, certs, remoteAddrs), () -> FileTrees.delete(swarmDir()));
        member = m;
        log.info("joined swarm {} as manager node {}", state.clusterId(), nodeId);
    }

    /** Asks the managers, one after the other, to add this manager to the Raft group, then catches up. */
    private static void joinRaft(SwarmMember m, NodeCertificates certs, List<String> managers) {
        RuntimeException failure = ApiException.unavailable("no manager to join the Raft group through");
        for (String manager : managers) {
            try {
                RaftMembership.request(manager, certs.tls(), m.state.raftAddress(), m.state.advertiseAddr());
                m.awaitStore();
                return;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        throw failure;
    }

    private void requireOutsideSwarm() {
        if (member != null) {
            throw ApiException.unavailable("This node is already part of a swarm. Use \"docker swarm leave\" to "
                    + "leave this swarm and join another one.");
        }
    }

    /**
     * A manager's state: the cluster port where the operator or the request says (the daemon's
     * {@code --listen-addr} wins over the CLI's default), Raft on the next port.
     */
    private SwarmState managerState(String nodeId, String clusterId, String ip, String requestedListen,
                                    List<String> remoteManagers) {
        String listen = options.listenAddrExplicit() || requestedListen == null || requestedListen.isEmpty()
                ? options.listenAddr() : requestedListen;
        int clusterPort = port(listen, 2377);
        String listenHost = listen.contains(":") ? listen.substring(0, listen.lastIndexOf(':')) : "0.0.0.0";
        return new SwarmState(nodeId, clusterId, ip + ":" + (clusterPort + 1), ip + ":" + clusterPort, NodeRole.MANAGER,
                listenHost + ":" + clusterPort, List.copyOf(remoteManagers));
    }

    @FunctionalInterface
    private interface Step {
        void run() throws IOException;
    }

    /** Brings a new manager membership up, or closes it and runs {@code undo}: nothing half-joined stays on disk. */
    private void start(SwarmMember m, SwarmState state, Step prepare, Step undo) throws IOException {
        try {
            Files.createDirectories(swarmDir());
            prepare.run();
            state.save(stateFile());
            m.openClusterPort();
            m.startAgent();
        } catch (RuntimeException | IOException e) {
            m.close();
            undo.run();
            throw e;
        }
    }

    private NodeCertificates loadCertificates() throws IOException {
        return NodeCertificates.load(certificatesDir())
                .orElseThrow(() -> new IOException("no node certificate in " + certificatesDir()));
    }

    /** A worker's membership: its agent talks to the managers, and its certificate is renewed through them. */
    private SwarmMember worker(SwarmState state, NodeCertificates certs) throws IOException {
        MutableTls tls = new MutableTls(certs.tls());
        ManagerList managers = new ManagerList(state.remoteManagers(), tls);
        return new SwarmMember(state, swarmDir(), executor, managers,
                new CertificateRenewer(certificatesDir(), certs, tls, managers::addresses, clock), this::roleReported);
    }

    public synchronized String init(String listenAddr, String advertiseAddr, boolean forceNewCluster, SwarmSpec spec,
                                    NodeAvailability availability) throws IOException {
        if (forceNewCluster && member != null && member.isManager()) return forceNewCluster(listenAddr, advertiseAddr);
        requireOutsideSwarm();
        if (spec != null) SwarmControl.check(spec);
        String advertiseIp = advertiseIp(advertiseAddr != null && !advertiseAddr.isEmpty() ? advertiseAddr
                : options.advertiseAddr());
        String nodeId = Ids.newId();
        String clusterId = Ids.newId();
        SwarmState state = managerState(nodeId, clusterId, advertiseIp, listenAddr, List.of());
        Cluster cluster = ClusterCa.withNewRoot(new Cluster(clusterId, Version.NONE, null, null, Defaults.fillSwarmSpec(spec),
                null, false, Defaults.DATA_PATH_PORT, List.of("10.0.0.0/8"), 24, null, null));
        Files.createDirectories(swarmDir());
        ClusterCa.firstManager(cluster, nodeId, List.of(advertiseIp)).save(certificatesDir());
        SwarmMember m;
        try {
            m = new SwarmMember(state, swarmDir(), executor, clock, false, this::roleReported);
        } catch (IOException | RuntimeException e) {
            FileTrees.delete(swarmDir());
            throw e;
        }
        start(m, state, () -> {
            m.awaitLeader();
            Node node = new Node(nodeId, Version.NONE, null, null,
                    new Node.Spec(null, null, NodeRole.MANAGER, availability == null ? NodeAvailability.ACTIVE : availability),
                    executor.describe(), new Node.Status(NodeState.UNKNOWN, null, advertiseIp),
                    new Node.ManagerStatus(true, Reachability.REACHABLE, state.advertiseAddr()));
            m.store.update(tx -> {
                tx.create(cluster);
                tx.create(node);
                return null;
            });
        }, () -> FileTrees.delete(swarmDir()));
        member = m;
        log.info("initialized swarm {} as node {}", clusterId, nodeId);
        return nodeId;
    }

    /**
     * {@code docker swarm init --force-new-cluster} on a manager: recovers from the loss of the
     * other managers (or starts a copied data dir on a new host) as a one-manager swarm that keeps
     * every object. The state comes from this manager's own Raft files, read offline; a new Raft
     * group is formed from it and the old files are deleted only once the new group holds it all.
     * Tasks keep running: the new membership's worker adopts them as after a restart.
     */
    private String forceNewCluster(String listenAddr, String advertiseAddr) throws IOException {
        SwarmMember old = member;
        SwarmState was = old.state;
        String advertiseIp = advertiseIp(advertiseAddr != null && !advertiseAddr.isEmpty() ? advertiseAddr
                : was.advertiseAddr().substring(0, was.advertiseAddr().lastIndexOf(':')));
        old.close();
        member = null;
        Path raftDir = swarmDir().resolve("raft");
        Path previous = swarmDir().resolve("raft.previous");
        List<StoredObject> objects = RaftNode.recover(raftDir, was.clusterId(), SwarmMember.dataKey(swarmDir()));
        FileTrees.delete(previous);
        Files.move(raftDir, previous);
        SwarmState state = managerState(was.nodeId(), was.clusterId(), advertiseIp, listenAddr, List.of());
        SwarmMember m;
        try {
            m = new SwarmMember(state, swarmDir(), executor, clock, false, this::roleReported);
            m.awaitLeader();
            m.store.batch(b -> {
                for (StoredObject o : objects) {
                    StoredObject fresh = o instanceof Node n && n.id().equals(state.nodeId())
                            ? n.withManagerStatus(new Node.ManagerStatus(true, Reachability.REACHABLE, state.advertiseAddr())) : o;
                    b.update(tx -> tx.create(fresh));
                }
            });
            state.save(stateFile());
            m.openClusterPort();
            m.startAgent();
        } catch (IOException | RuntimeException e) {
            log.error("--force-new-cluster failed, going back to the previous Raft state: {}", e.getMessage());
            FileTrees.delete(raftDir);
            Files.move(previous, raftDir);
            member = new SwarmMember(was, swarmDir(), executor, clock, false, this::roleReported);
            member.openClusterPort();
            member.startAgent();
            throw e;
        }
        FileTrees.delete(previous);
        member = m;
        log.info("forced a new cluster of swarm {} from {} objects, as its only manager", state.clusterId(), objects.size());
        return state.nodeId();
    }

    /**
     * Leaves the swarm: the node's tasks stop and its swarm state is erased. A manager refuses
     * without {@code force}, as Docker does; with it, it leaves the Raft group first.
     */
    public synchronized void leave(boolean force) throws IOException {
        SwarmMember m = member;
        if (m == null) throw ApiException.unavailable("This node is not part of a swarm");
        if (m.isManager() && !force) throw ApiException.unavailable(managerLeaving(m));
        m.stopAllTasks();
        if (m.isManager()) m.leaveRaft();
        m.close();
        member = null;
        FileTrees.delete(swarmDir());
        log.info("left the swarm");
    }

    /** Docker's refusal for a manager leaving without --force (moby's Cluster.Leave), with its quorum arithmetic. */
    private static String managerLeaving(SwarmMember m) {
        String msg = "You are attempting to leave the swarm on a node that is participating as a manager. ";
        List<Node> managers = m.store.view(NodeControl::raftMembers);
        long reachable = managers.stream().filter(Quorum::isReachable).count();
        long unreachable = managers.size() - reachable;
        if (Quorum.leavingLosesQuorum(reachable, unreachable)) {
            if (reachable == 1 && unreachable == 0) {
                return msg + "Removing the last manager erases all current state of the swarm. Use `--force` to ignore this message.";
            }
            msg += "Removing this node leaves %d managers out of %d. Without a Raft quorum your swarm will be inaccessible. "
                    .formatted(reachable - 1, reachable + unreachable);
        }
        return msg + "The only way to restore a swarm that has lost consensus is to reinitialize it with "
                + "`--force-new-cluster`. Use `--force` to suppress this message.";
    }

    /**
     * A heartbeat reported another role for this node (it was promoted or demoted): switch in the
     * background, one switch at a time, since the switch closes the agent whose heartbeat told us.
     */
    private void roleReported(NodeRole role) {
        if (!switchingRole.compareAndSet(false, true)) return;
        Thread.ofVirtual().name("role-" + role.apiName()).start(() -> {
            try {
                followRole(role);
            } finally {
                switchingRole.set(false);
            }
        });
    }

    /**
     * Becomes what the managers certify this node for (swarmkit's node does the same when its
     * session reports a new role): renews the certificate for that role, then runs as a manager
     * that joins the Raft group, or as a worker whose Raft member is stopped. Tasks keep running:
     * the new membership's worker re-adopts them from disk. A failed switch is tried again at the
     * next heartbeat that reports the role. Until the switch is done the API still sees the old
     * membership, as in Docker, where a promoted node serves as a manager only once it is one.
     */
    private synchronized void followRole(NodeRole role) {
        SwarmMember m = member;
        if (m == null || role == m.state.role()) return;
        try {
            List<String> managers = m.otherManagers();
            NodeCertificates certs = renewFor(role, loadCertificates(), managers);
            SwarmState was = m.state;
            String ip = was.advertiseAddr().substring(0, was.advertiseAddr().lastIndexOf(':'));
            if (role == NodeRole.MANAGER) {
                // The worker keeps its session (and heartbeats) while the new Raft member joins and catches up.
                FileTrees.delete(swarmDir().resolve("raft"));
                SwarmState state = managerState(was.nodeId(), was.clusterId(), ip, null, managers);
                SwarmMember promoted = new SwarmMember(state, swarmDir(), executor, clock, true, this::roleReported);
                AtomicBoolean workerClosed = new AtomicBoolean();
                start(promoted, state, () -> {
                    joinRaft(promoted, certs, managers);
                    workerClosed.set(true);
                    m.close();
                }, () -> {
                    FileTrees.delete(swarmDir().resolve("raft"));
                    was.save(stateFile());
                    if (!workerClosed.get()) return;
                    // The worker was closed: back to work as one; the next heartbeat tries again.
                    member = worker(was, certs);
                    member.startAgent();
                });
                member = promoted;
            } else {
                m.close();
                FileTrees.delete(swarmDir().resolve("raft"));
                SwarmState state = new SwarmState(was.nodeId(), was.clusterId(), null, was.advertiseAddr(), NodeRole.WORKER, null,
                        List.copyOf(managers));
                state.save(stateFile());
                SwarmMember demoted = worker(state, certs);
                demoted.startAgent();
                member = demoted;
            }
            log.info("node {} now runs as a {}", was.nodeId(), role);
        } catch (RuntimeException | IOException e) {
            log.warn("becoming a {} failed; trying again at a later heartbeat: {}", role, e.getMessage());
        }
    }

    /** This node's certificate for {@code role}: the one it has, or a new one from the first manager that issues it. */
    private NodeCertificates renewFor(NodeRole role, NodeCertificates current, List<String> managers) throws IOException {
        if (current.identity().role() == role) return current;
        for (String manager : managers) {
            NodeCertificates.Request request = NodeCertificates.Request.generate();
            try (CaClient ca = CaClient.authenticated(manager, current.tls())) {
                NodeCertificates renewed = NodeCertificates.of(request, ca.renew(request.csrPem()));
                if (renewed.identity().role() != role) continue; // that manager has not seen the change yet
                renewed.save(certificatesDir());
                return renewed;
            } catch (RuntimeException e) {
                log.info("renewing the certificate at {} failed: {}", manager, e.getMessage());
            }
        }
        throw ApiException.unavailable("no manager issued a %s certificate", role.apiName());
    }

    private Path swarmDir() {
        return options.dataDir().resolve("swarm");
    }

    private Path certificatesDir() {
        return swarmDir().resolve("certificates");
    }

    private Path stateFile() {
        return swarmDir().resolve("state.json");
    }

    /** The address to advertise: the one given (without a port), else this host's first non-loopback IPv4. */
    static String advertiseIp(String given) throws IOException {
        if (given != null && !given.isEmpty()) {
            String host = given.contains(":") && !given.startsWith("[") ? given.substring(0, given.lastIndexOf(':')) : given;
            if (host.matches("[0-9.]+")) return host;
            NetworkInterface nic = NetworkInterface.getByName(host);
            if (nic == null) throw ApiException.invalid("advertise address must be a non-zero IP address or network interface (with optional port number)");
            return nic.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst()
                    .orElseThrow(() -> ApiException.invalid("interface %s has no IPv4 address", host)).getHostAddress();
        }
        return NetworkInterface.networkInterfaces()
                .filter(n -> { try { return n.isUp() && !n.isLoopback(); } catch (IOException e) { return false; } })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address)
                .map(InetAddress::getHostAddress)
                .findFirst().orElse("127.0.0.1");
    }

    private static int port(String hostPort, int fallback) {
        int i = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        if (i < 0) return fallback;
        try {
            return Integer.parseInt(hostPort.substring(i + 1));
        } catch (NumberFormatException e) {
            throw ApiException.invalid("invalid listen address %s", hostPort);
        }
    }

    @Override
    public void close() {
        SwarmMember m = member;
        if (m != null) m.close();
    }
}
