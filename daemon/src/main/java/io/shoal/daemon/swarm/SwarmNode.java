package io.shoal.daemon.swarm;

import io.shoal.agent.Agent;
import io.shoal.agent.exec.Executor;
import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Defaults;
import io.shoal.api.Ids;
import io.shoal.api.Node;
import io.shoal.api.NodeAvailability;
import io.shoal.api.NodeState;
import io.shoal.api.Reachability;
import io.shoal.api.StoredObject;
import io.shoal.api.SwarmSpec;
import io.shoal.api.Version;
import io.shoal.common.FileTrees;
import io.shoal.common.HostPort;
import io.shoal.daemon.DaemonOptions;
import io.shoal.manager.allocator.NetworkConfig;
import io.shoal.manager.ca.ClusterCa;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.control.NetworkControl;
import io.shoal.manager.control.NodeControl;
import io.shoal.manager.control.SwarmControl;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeKeys;
import io.shoal.pki.NodeRole;
import io.shoal.pki.PkiException;
import io.shoal.pki.UnlockKey;
import io.shoal.store.raft.RaftNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership in a swarm and every transition of it ({@link Membership} lists them):
 * init, join, leave and force-new-cluster as the Engine API asks; promotion and demotion as the
 * managers certify the node for another role (the agent's heartbeats say so, as swarmkit's
 * session does); removal as the managers refuse the node. One transition runs at a time. Until a
 * transition is done, the Engine API sees the form before it, as in Docker, where a promoted node
 * serves as a manager only once it is one.
 */
public final class SwarmNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SwarmNode.class);
    private static final int DEFAULT_CLUSTER_PORT = 2377;

    private final DaemonOptions options;
    private final Executor executor;
    private final Clock clock = Clock.systemUTC();
    private volatile Membership membership = new Membership.Outside();
    /** What the agent reports runs here, off its session thread, one event at a time. */
    private final ExecutorService events = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("membership").factory());

    /** Resumes the membership this node had when its daemon stopped, if any. */
    public SwarmNode(DaemonOptions options, Executor executor) throws IOException {
        this.options = options;
        this.executor = executor;
        SwarmState saved = SwarmState.load(stateFile());
        if (saved == null) return;
        // The operator's --listen-addr wins over the saved one: a data dir restored on another host listens there.
        SwarmState state = options.listenAddrExplicit() ? saved.withListenAddr(options.listenAddr()) : saved;
        if (NodeKeys.locked(certificatesDir())) {
            log.info("node {} is locked (autolock): nothing of the swarm runs until docker swarm unlock", state.nodeId());
            membership = new Membership.Locked(state);
            return;
        }
        log.info("resuming swarm membership as {} node {}", state.role().apiName(), state.nodeId());
        resume(state, NodeKeys.open(certificatesDir(), null));
    }

    /** Brings the membership saved on disk back up with the node's open keys: its manager if it is one, then its agent. */
    private void resume(SwarmState state, NodeKeys keys) throws IOException {
        Member member = newMember(state, keys);
        try {
            membership = state.role() == NodeRole.MANAGER ? resumeManager(member) : new Membership.Worker(member);
        } catch (IOException | RuntimeException e) {
            member.close();
            throw e;
        }
        // A worker is never locked, even if it was demoted while its daemon was down.
        if (state.role() == NodeRole.WORKER) keys.unlock();
        member.start();
    }

    /** The membership now. */
    public Membership membership() {
        return membership;
    }

    /** The control API of this node's manager, or Docker's refusal on a worker or outside a swarm. */
    public ControlApi control() {
        return switch (membership) {
            case Membership.Manager m -> m.control();
            case Membership.Outside o -> throw Refusals.notAManagerOutsideASwarm();
            case Membership.Locked l -> throw Refusals.locked();
            default -> throw Refusals.notAManager();
        };
    }

    /**
     * {@code docker swarm unlock}: opens the node's keys with the unlock key, then brings the
     * manager up as a restart would have (Raft, the store, the cluster port, then the agent that
     * re-adopts the tasks). Docker's refusals: the key string malformed (400), another key (401),
     * the node not locked (409), not a manager.
     */
    public synchronized void unlock(String key) throws IOException {
        if (!(membership instanceof Membership.Locked(SwarmState state))) {
            throw switch (membership) {
                case Membership.Manager m -> Refusals.notLocked();
                case Membership.Outside o -> Refusals.notAManagerOutsideASwarm();
                default -> Refusals.notAManager();
            };
        }
        NodeKeys keys;
        try {
            keys = NodeKeys.open(certificatesDir(), UnlockKey.parse(key));
        } catch (PkiException e) {
            throw e.kind() == PkiException.Kind.INVALID ? ApiException.of(e) : Refusals.invalidUnlockKey();
        }
        resume(state, keys);
        log.info("unlocked: resumed swarm membership as {} node {}", state.role().apiName(), state.nodeId());
    }

    // ---- init and join

    /**
     * {@code docker swarm init}: a new swarm with this node as its first manager, its networking
     * settings and first networks (ingress, host); or a forced new cluster, which keeps the swarm's.
     */
    public synchronized String init(String listenAddr, String advertiseAddr, boolean forceNewCluster, SwarmSpec spec,
                                    NodeAvailability availability, NetworkConfig network) throws IOException {
        if (membership instanceof Membership.Locked) throw Refusals.alreadyInASwarm();
        if (forceNewCluster && membership instanceof Membership.Manager m) return forceNewCluster(m, listenAddr, advertiseAddr);
        requireOutside();
        if (spec != null) SwarmControl.check(spec);
        String ip = Addresses.advertiseIp(advertiseAddr, options.advertiseAddr());
        HostPort listen = listenAddr(listenAddr);
        Addresses.requireFree(listen);
        String nodeId = Ids.newId();
        String clusterId = Ids.newId();
        SwarmState state = new SwarmState(nodeId, clusterId, NodeRole.MANAGER, ip + ":" + listen.port(), listen.toString(), List.of());
        Cluster unkeyed = ClusterCa.withNewRoot(new Cluster(clusterId, Version.NONE, null, null, Defaults.fillSwarmSpec(spec),
                null, false, network.dataPathPort(), network.poolCidrs(), network.subnetSize(), null, null));
        Cluster cluster = unkeyed.withUnlockKey(SwarmControl.unlockKey(unkeyed, false));
        // With autolock the first manager's keys are sealed from their first write.
        NodeKeys keys = NodeKeys.open(certificatesDir(), cluster.unlockKey() == null ? null : UnlockKey.parse(cluster.unlockKey()));
        keys.save(ClusterCa.firstManager(cluster, nodeId, List.of(ip)));
        Node node = new Node(nodeId, Version.NONE, null, null,
                new Node.Spec(null, null, NodeRole.MANAGER, availability == null ? NodeAvailability.ACTIVE : availability),
                executor.describe(), new Node.Status(NodeState.UNKNOWN, null, ip),
                new Node.ManagerStatus(true, Reachability.REACHABLE, state.advertiseAddr()));
        membership = enter(state, keys, true, manager -> {
            manager.awaitLeader();
            manager.store.update(tx -> {
                tx.create(cluster);
                tx.create(node);
                NetworkControl.initial(network).forEach(tx::create);
                return null;
            });
        });
        log.info("initialized swarm {} as node {}", clusterId, nodeId);
        return nodeId;
    }

    /**
     * {@code docker swarm join}: checks that the manager's root CA is the one the token names, gets
     * a certificate for the role the token grants, then runs as a worker, or as a manager that the
     * leader adds to the Raft group.
     */
    public synchronized void join(List<String> remoteAddrs, String token, String listenAddr, String advertiseAddr,
                                  NodeAvailability availability) throws IOException {
        requireOutside();
        if (remoteAddrs == null || remoteAddrs.isEmpty()) throw ApiException.invalid("at least 1 RemoteAddr is required to join");
        // Checked before the CA registers the node, so that a mistyped address leaves no node behind.
        String ip = Addresses.advertiseIp(advertiseAddr, options.advertiseAddr());
        HostPort listen = listenAddr(listenAddr);
        NodeCertificates certs = Enrollment.certificateFor(remoteAddrs.getFirst(), token);
        NodeRole role = certs.identity().role();
        if (role == NodeRole.MANAGER) Addresses.requireFree(listen);
        SwarmState state = new SwarmState(certs.identity().nodeId(), certs.identity().clusterId(), role,
                ip + ":" + listen.port(), listen.toString(), List.copyOf(remoteAddrs));
        NodeKeys keys = NodeKeys.open(certificatesDir(), null);
        keys.save(certs);
        membership = enter(state, keys, false, role == NodeRole.MANAGER ? manager -> manager.join(remoteAddrs) : null);
        log.info("joined swarm {} as {} node {}", state.clusterId(), role.apiName(), state.nodeId());
    }

    @FunctionalInterface
    private interface ManagerStep {
        void run(LocalManager manager) throws IOException;
    }

    /**
     * Brings a new membership up from the certificate on disk: a worker, or (with
     * {@code managerStep}) a manager whose Raft member forms a group or joins one. If anything
     * fails, everything started is closed and the swarm directory erased: nothing half-joined stays.
     */
    private Membership enter(SwarmState state, NodeKeys keys, boolean bootstrap, ManagerStep managerStep) throws IOException {
        Member member = null;
        LocalManager manager = null;
        try {
            member = newMember(state, keys);
            if (managerStep != null) {
                manager = new LocalManager(state, member.raftDir(), member.tls, member.keys,
                        bootstrap ? RaftNode.Start.BOOTSTRAP : RaftNode.Start.JOIN, clock, options.networkKeyRotation());
                managerStep.run(manager);
                manager.openClusterPort();
                member.connection.setLocal(manager);
            }
            member.save(state);
            member.start();
            return manager == null ? new Membership.Worker(member) : new Membership.Manager(member, manager);
        } catch (RuntimeException | IOException e) {
            if (manager != null) manager.close();
            if (member != null) member.close();
            FileTrees.delete(swarmDir());
            throw e;
        }
    }

    /** A manager resumed from its own Raft files; one that finds no quorum still serves, so that it can be forced into a new cluster. */
    private Membership resumeManager(Member member) throws IOException {
        SwarmState state = member.state();
        LocalManager manager = new LocalManager(state, member.raftDir(), member.tls, member.keys,
                LocalManager.resumeFrom(member.raftDir(), state.clusterId()), clock, options.networkKeyRotation());
        try {
            manager.awaitStore();
        } catch (ApiException e) {
            log.warn("resumed without the swarm's state: {}", e.getMessage());
        }
        manager.openClusterPort();
        member.connection.setLocal(manager);
        return new Membership.Manager(member, manager);
    }

    // ---- role changes and removal, as the managers report them

    /** A member whose agent reports to this node, each report tied to that member. */
    private Member newMember(SwarmState state, NodeKeys keys) throws IOException {
        Reports reports = new Reports();
        Member member = new Member(state, swarmDir(), keys, executor, clock, reports);
        reports.member = member;
        return member;
    }

    /**
     * What one member's agent reports, handled one at a time off the agent's thread; a report that
     * arrives once the node has left (or joined again) concerns a member that is gone, and is dropped.
     */
    private final class Reports implements Agent.Listener {
        private volatile Member member;
        private final AtomicBoolean switchQueued = new AtomicBoolean();
        private final AtomicBoolean renewQueued = new AtomicBoolean();

        @Override
        public void certifiedRole(NodeRole role) {
            boolean differs = switch (membership) {
                case Membership.Worker w -> role == NodeRole.MANAGER;
                case Membership.Manager m -> role == NodeRole.WORKER;
                default -> false;
            };
            if (differs && switchQueued.compareAndSet(false, true)) {
                events.execute(() -> {
                    switchQueued.set(false);
                    follow(member, role);
                });
            }
        }

        /** A root rotation: renew off the agent's thread, then tell the managers through a new session. */
        @Override
        public void wantedTls(Node.TlsInfo tls) {
            if (!renewQueued.compareAndSet(false, true)) return;
            events.execute(() -> {
                renewQueued.set(false);
                Member m = member;
                if (membership.member() == m && m.renewer.follow(tls)) m.agent.describeAgain();
            });
        }

        @Override
        public void removed(String reason) {
            events.execute(() -> markRemoved(member, reason));
        }
    }

    /**
     * Becomes what the managers certify this node for (swarmkit's node does the same when its
     * session reports a new role): renews the certificate for that role, then starts a Raft member
     * that joins the group, or stops it. The agent and its tasks carry on throughout. A failed
     * switch is tried again at the next heartbeat that reports the role.
     */
    private synchronized void follow(Member reporting, NodeRole role) {
        if (membership.member() != reporting) return;
        try {
            switch (membership) {
                case Membership.Worker(Member member) when role == NodeRole.MANAGER -> promote(member);
                case Membership.Manager(Member member, LocalManager manager) when role == NodeRole.WORKER -> demote(member, manager);
                default -> { }
            }
        } catch (RuntimeException | IOException e) {
            log.warn("becoming a {} failed; trying again at a later heartbeat: {}", role.apiName(), e.getMessage());
        }
    }

    private void promote(Member member) throws IOException {
        member.renewer.renewFor(NodeRole.MANAGER);
        List<String> managers = member.connection.addresses();
        SwarmState state = member.state().withRole(NodeRole.MANAGER);
        Addresses.requireFree(state.listen());
        FileTrees.delete(member.raftDir());
        LocalManager manager = new LocalManager(state, member.raftDir(), member.tls, member.keys, RaftNode.Start.JOIN, clock, options.networkKeyRotation());
        try {
            manager.join(managers);
            manager.openClusterPort();
        } catch (RuntimeException | IOException e) {
            manager.close();
            FileTrees.delete(member.raftDir());
            throw e;
        }
        member.connection.setLocal(manager);
        member.save(state.withRemoteManagers(member.connection.known()));
        membership = new Membership.Manager(member, manager);
        log.info("node {} now runs as a manager", state.nodeId());
    }

    /** The leader demotes a manager only once it is out of the Raft group, so nothing here needs it any more. */
    private void demote(Member member, LocalManager manager) throws IOException {
        member.renewer.renewFor(NodeRole.WORKER);
        member.connection.setLocal(null);
        manager.close();
        member.keys.unlock();
        FileTrees.delete(member.raftDir());
        member.save(member.state().withRole(NodeRole.WORKER).withRemoteManagers(member.connection.known()));
        membership = new Membership.Worker(member);
        log.info("node {} now runs as a worker", member.state().nodeId());
    }

    /** The managers refused this node as removed: no session will be had again; its tasks are left as they are until it leaves. */
    private synchronized void markRemoved(Member reporting, String reason) {
        if (membership.member() != reporting) return;
        if (membership instanceof Membership.Manager m) {
            reporting.connection.setLocal(null);
            m.manager().close();
        }
        reporting.renewer.close();
        reporting.connection.close();
        membership = new Membership.Removed(reporting, reason);
    }

    // ---- force new cluster and leave

    /**
     * {@code docker swarm init --force-new-cluster} on a manager: recovers from the loss of the
     * other managers (or starts a copied data dir on a new host) as a one-manager swarm that keeps
     * every object. The state comes from this manager's own Raft files, read offline; a new Raft
     * group is formed from it and the old files are deleted only once the new group holds it all;
     * if that fails, the manager resumes from them as before. The agent and tasks carry on.
     */
    private String forceNewCluster(Membership.Manager current, String listenAddr, String advertiseAddr) throws IOException {
        Member member = current.member();
        SwarmState was = member.state();
        String ip = Addresses.advertiseIp(advertiseAddr, was.advertise().host());
        HostPort listen = listenAddr == null || listenAddr.isEmpty() ? was.listen() : listenAddr(listenAddr);
        Path raftDir = member.raftDir();
        Path previous = swarmDir().resolve("raft.previous");
        // Until the new group is up the API sees the old manager, closed: it still reads, and its writes fail.
        member.connection.setLocal(null);
        current.manager().close();
        SwarmState state = new SwarmState(was.nodeId(), was.clusterId(), NodeRole.MANAGER, ip + ":" + listen.port(),
                listen.toString(), List.of());
        LocalManager manager = null;
        boolean moved = false;
        try {
            if (!listen.equals(was.listen())) Addresses.requireFree(listen);
            List<StoredObject> objects = RaftNode.recover(raftDir, was.clusterId(), member.key);
            FileTrees.delete(previous);
            Files.move(raftDir, previous);
            moved = true;
            manager = new LocalManager(state, raftDir, member.tls, member.keys, RaftNode.Start.BOOTSTRAP, clock, options.networkKeyRotation());
            manager.awaitLeader();
            manager.store.batch(b -> {
                for (StoredObject o : objects) {
                    StoredObject fresh = o instanceof Node n && n.id().equals(state.nodeId())
                            ? n.withManagerStatus(new Node.ManagerStatus(true, Reachability.REACHABLE, state.advertiseAddr())) : o;
                    b.update(tx -> tx.create(fresh));
                }
            });
            // The new group's cluster object counts its versions from the start: so must the keys that follow it.
            member.keys.restartVersions();
            manager.openClusterPort();
            log.info("forced a new cluster of swarm {} from {} objects, as its only manager", state.clusterId(), objects.size());
        } catch (IOException | RuntimeException e) {
            log.error("--force-new-cluster failed, going back to the previous Raft state: {}", e.getMessage());
            if (manager != null) manager.close();
            try {
                if (moved) {
                    FileTrees.delete(raftDir);
                    Files.move(previous, raftDir);
                }
                membership = resumeManager(member);
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
        FileTrees.delete(previous);
        member.connection.forget(List.of(state.advertiseAddr()));
        member.connection.setLocal(manager);
        member.save(state);
        membership = new Membership.Manager(member, manager);
        return state.nodeId();
    }

    /**
     * {@code docker swarm leave}: the node's tasks stop and its swarm state is erased. A manager
     * refuses without {@code force}, as Docker does; with it, it leaves the Raft group first.
     */
    public synchronized void leave(boolean force) throws IOException {
        if (membership instanceof Membership.Locked) {
            // Nothing runs and the task files cannot be read without the key: the tasks' processes are left as they are.
            if (!force) throw Refusals.lockedLeaving();
            membership = new Membership.Outside();
            FileTrees.delete(swarmDir());
            log.info("left the swarm while locked");
            return;
        }
        Member member = membership.member();
        if (member == null) throw Refusals.notInASwarm();
        LocalManager manager = membership instanceof Membership.Manager m ? m.manager() : null;
        if (manager != null && !force) throw Refusals.managerLeaving(manager.store.view(NodeControl::raftMembers));
        if (manager != null) manager.stopLeading();
        member.stopAllTasks();
        if (manager != null) {
            manager.leaveRaft();
            manager.close();
        }
        member.close();
        membership = new Membership.Outside();
        FileTrees.delete(swarmDir());
        log.info("left the swarm");
    }

    private void requireOutside() {
        if (!(membership instanceof Membership.Outside)) throw Refusals.alreadyInASwarm();
    }

    /** The cluster port's address: the daemon's {@code --listen-addr} wins over the docker CLI's default in the request. */
    private HostPort listenAddr(String requested) {
        String listen = options.listenAddrExplicit() || requested == null || requested.isEmpty() ? options.listenAddr() : requested;
        try {
            return HostPort.parse(listen, DEFAULT_CLUSTER_PORT);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("invalid listen address %s: %s", listen, e.getMessage());
        }
    }

    private Path certificatesDir() {
        return Member.certificatesDir(swarmDir());
    }

    private Path swarmDir() {
        return options.dataDir().resolve("swarm");
    }

    private Path stateFile() {
        return swarmDir().resolve("state.json");
    }

    /** Leaves the membership as it is on disk, for the next daemon to resume; tasks keep running. */
    @Override
    public void close() {
        events.shutdownNow();
        synchronized (this) {
            if (membership instanceof Membership.Manager m) m.manager().close();
            Member member = membership.member();
            if (member != null) member.close();
        }
    }
}
