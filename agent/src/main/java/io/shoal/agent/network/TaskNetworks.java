package io.shoal.agent.network;

import io.shoal.agent.exec.ExecException;
import io.shoal.agent.exec.TaskNetworking;
import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.common.Ipv4Prefix;
import io.shoal.network.DataPlane;
import io.shoal.network.Peer;
import io.shoal.network.OverlaySpec;
import io.shoal.network.PublishedPort;
import io.shoal.network.TunnelKeys;
import io.shoal.network.Vip;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The networks of this node and its tasks. Keeps the managers' views of the networks its tasks
 * are on and drives the {@link DataPlane} from them: a sandbox (network namespace) per task with an
 * interface per network and one on the node's gateway bridge (its way out), each network's peers
 * on other nodes, each sandbox's VIP table; each sandbox's resolver answers from the views as they
 * are when it is asked. While the managers send the ingress network's view, the node is an
 * endpoint of it and publishes the routing mesh's ports, beside the host-mode ports of its tasks.
 *
 * <p>Views arrive on the worker's thread and are only recorded there; one virtual thread programs
 * what they change, so a burst of changes costs a pass per {@link #PASS_INTERVAL}. A task being
 * attached has its network's peers and its own VIP table programmed before its container starts.
 * Programming a network or a sandbox holds that one's lock while it reads the views and writes the
 * kernel, so a pass that read older views never lands after one that read newer.
 */
public final class TaskNetworks implements TaskNetworking, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskNetworks.class);
    /**
     * The least time from one pass's start to the next: while tasks turn RUNNING one after another,
     * each change would otherwise cost every sandbox on the network a VIP transaction, on the cores
     * the containers start on. A lone change still goes at once.
     */
    private static final Duration PASS_INTERVAL = Duration.ofMillis(100);

    /** Opens the node's data plane once its underlay address is known. */
    public interface Planes {
        DataPlane open(Inet4Address underlay) throws IOException;
    }

    private final Planes planes;
    private final Thread programmer;
    /** The lock of the node's published ports; not a swarm id, so it never meets a network's or a sandbox's. */
    private static final String PORTS = "published ports";
    private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();
    /** Every view this node holds, by network id; replaced whole, read without locking by the resolvers. */
    private volatile Map<String, NetworkView> views = Map.of();
    private volatile DataPlane plane; // null until configured
    private String nodeId; // guarded by this
    private Inet4Address underlay; // guarded by this
    /** The networks of each attached task's sandbox, in the order of its interfaces. */
    private final Map<String, List<String>> sandboxes = new HashMap<>(); // guarded by this
    private final Set<String> dirty = new HashSet<>(); // network ids; guarded by this
    private final Map<String, List<Peer>> programmedPeers = new HashMap<>(); // guarded by this
    private final Map<String, List<Vip>> programmedVips = new HashMap<>(); // guarded by this
    /** The host-mode ports of each attached task, to its gateway address. */
    private final Map<String, List<PublishedPort>> hostPorts = new HashMap<>(); // guarded by this
    /** The ingress network this node is an endpoint of (the routing mesh), null when none. */
    private String ingressId; // guarded by this
    private List<PublishedPort> programmedPorts; // guarded by this; null: not known to be programmed
    /** The tunnel of each encrypted network as last programmed (keys and peers). */
    private final Map<String, NetworkView.Tunnel> programmedTunnels = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    public TaskNetworks(Planes planes) {
        this.planes = planes;
        this.programmer = Thread.ofVirtual().name("task-networks").start(this::programChanges);
    }

    @Override
    public synchronized void configure(String nodeId, String advertiseAddr) throws IOException {
        Inet4Address address = Programming.address(advertiseAddr);
        if (plane != null && nodeId.equals(this.nodeId) && address.equals(underlay)) return;
        if (plane != null) plane.close();
        this.nodeId = nodeId;
        this.underlay = address;
        this.plane = planes.open(address);
        ingressId = null;
        programmedPorts = null;
    }

    @Override
    public synchronized void update(boolean complete, List<NetworkView> changed, List<String> removed) {
        Map<String, NetworkView> next = complete ? new HashMap<>() : new HashMap<>(views);
        if (removed != null) removed.forEach(next::remove);
        if (changed != null) for (NetworkView v : changed) next.put(v.networkId(), v);
        Set<String> ids = new LinkedHashSet<>(views.keySet());
        ids.addAll(next.keySet());
        for (String id : ids) {
            if (!Objects.equals(views.get(id), next.get(id))) dirty.add(id);
        }
        views = Map.copyOf(next);
        if (!dirty.isEmpty()) notifyAll();
    }

    @Override
    public Path attach(Task task) throws ExecException {
        if (TaskNetworking.onHostNetwork(task)) return null;
        List<Programming.Attachment> attachments = Programming.attachments(task, views);
        DataPlane p = requirePlane();
        String sandbox = task.id();
        List<String> networks = attachments.stream().map(a -> a.spec().networkId()).toList();
        synchronized (this) {
            // First: from now on no other task's detach removes these networks.
            sandboxes.put(sandbox, networks);
            programmedVips.remove(sandbox);
        }
        try {
            Path netns = p.ensureSandbox(sandbox);
            int index = 0;
            for (Programming.Attachment a : attachments) {
                String network = a.spec().networkId();
                locked(network, () -> {
                    if (a.spec().encrypted()) programTunnel(p, a.spec());
                    p.ensureNetwork(a.spec());
                });
                p.attach(sandbox, a.spec(), index++, a.address());
            }
            // The way out of the swarm, as docker_gwbridge: for all but tasks on internal networks only.
            Ipv4Prefix gateway = attachments.isEmpty() || !attachments.stream().allMatch(Programming.Attachment::internal)
                    ? p.attachGateway(sandbox, index) : null;
            for (String network : networks) programPeers(p, network);
            programVips(p, sandbox);
            p.serveDns(sandbox, new SandboxNames(() -> views, () -> networksOf(sandbox)));
            List<PublishedPort> own = Programming.hostPorts(task, gateway == null ? null : gateway.inet());
            if (!own.isEmpty()) {
                synchronized (this) {
                    if (sandboxes.containsKey(sandbox)) hostPorts.put(sandbox, own);
                }
                programPorts(p);
            }
            return netns;
        } catch (IOException | RuntimeException e) {
            throw new ExecException("attaching the task to its networks: " + e.getMessage(), e);
        }
    }

    /**
     * Runs to the end even on an interrupted thread (a task's waiter is interrupted when the task is
     * removed): a cleanup cut short would leave a namespace behind. The networks to look at come from
     * the task itself, so a second call finishes what a failed first one left.
     */
    @Override
    public void detach(Task task) {
        if (TaskNetworking.onHostNetwork(task)) return;
        List<String> networks = Programming.attachments(task, views).stream().map(a -> a.spec().networkId()).toList();
        String sandbox = task.id();
        boolean published;
        synchronized (this) {
            sandboxes.remove(sandbox);
            programmedVips.remove(sandbox);
            published = hostPorts.remove(sandbox) != null;
        }
        DataPlane p = plane;
        if (p == null) return;
        boolean interrupted = Thread.interrupted();
        try {
            if (published) programPorts(p);
            locked(sandbox, () -> p.removeSandbox(sandbox));
            locks.remove(sandbox);
            for (String network : networks) {
                locked(network, () -> {
                    synchronized (this) {
                        if (inUse(network)) return;
                        programmedPeers.remove(network);
                        programmedTunnels.remove(network);
                    }
                    p.removeNetwork(network);
                });
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("task {}: removing its network namespace: {}", sandbox, e.toString());
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<Node.PluginDescription> plugins() {
        return DataPlane.encryptionUnavailableReason().isEmpty()
                ? List.of(Node.PluginDescription.OVERLAY, Node.PluginDescription.ENCRYPTED_OVERLAY)
                : List.of(Node.PluginDescription.OVERLAY);
    }

    @Override
    public void sweep(Collection<Task> held) {
        DataPlane p = plane;
        if (p == null) return;
        Set<String> sandboxIds = new HashSet<>();
        Set<String> networkIds = new HashSet<>();
        for (Task t : held) {
            if (TaskNetworking.onHostNetwork(t)) continue;
            sandboxIds.add(t.id());
            Programming.attachments(t, views).forEach(a -> networkIds.add(a.spec().networkId()));
        }
        views.values().stream().filter(v -> v.network().isIngress()).forEach(v -> networkIds.add(v.networkId()));
        try {
            p.sweep(networkIds, sandboxIds);
        } catch (IOException | RuntimeException e) {
            LOG.warn("sweeping network namespaces: {}", e.toString());
        }
        synchronized (this) {
            // A sweep of everything takes the node's parts along: make them again when next needed.
            if (networkIds.isEmpty() && sandboxIds.isEmpty()) {
                ingressId = null;
                programmedPorts = null;
                programmedPeers.clear();
                programmedTunnels.clear();
            }
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        programmer.interrupt();
        DataPlane p = plane;
        if (p != null) p.close();
    }

    /** The programmer's loop: the peers of each changed network, then the VIP tables of the sandboxes on them. */
    private void programChanges() {
        while (true) {
            Set<String> networks;
            Set<String> affected = new HashSet<>();
            synchronized (this) {
                while (dirty.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                networks = Set.copyOf(dirty);
                dirty.clear();
                sandboxes.forEach((sandbox, on) -> {
                    if (on.stream().anyMatch(networks::contains)) affected.add(sandbox);
                });
            }
            DataPlane p = plane;
            if (p == null) continue;
            long began = System.nanoTime();
            boolean mesh = networks.stream().anyMatch(this::isIngress);
            for (String network : networks) rekey(p, network);
            if (mesh) programIngress(p);
            for (String network : networks) programPeers(p, network);
            for (String sandbox : affected) programVips(p, sandbox);
            if (mesh) programPorts(p);
            long rest = PASS_INTERVAL.toNanos() - (System.nanoTime() - began);
            if (rest > 0) {
                try {
                    Thread.sleep(Duration.ofNanos(rest));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** The ingress network's view, or the network that was ingress until its view went. */
    private synchronized boolean isIngress(String network) {
        NetworkView v = views.get(network);
        return v != null ? v.network().isIngress() : network.equals(ingressId);
    }

    /**
     * Makes this node an endpoint of the ingress network while the managers send its view (some
     * service publishes a port through the mesh), and no more once they stop.
     */
    private void programIngress(DataPlane p) {
        NetworkView view;
        String was;
        synchronized (this) {
            view = views.values().stream().filter(v -> v.network().isIngress()).findFirst().orElse(null);
            was = ingressId;
        }
        String id = view != null ? view.networkId() : was;
        if (id == null) return;
        try {
            locked(id, () -> {
                if (view != null) {
                    Ipv4Prefix own = Programming.nodeAddress(view, nodeId());
                    if (own == null) {
                        LOG.warn("ingress network {}: no address for this node yet", id);
                        return;
                    }
                    OverlaySpec spec = Programming.overlay(view.network(), view.dataPathPort());
                    if (spec.encrypted()) programTunnel(p, spec);
                    p.setIngress(spec, own);
                    synchronized (this) {
                        ingressId = id;
                    }
                    return;
                }
                boolean tasksOnIt;
                synchronized (this) {
                    ingressId = null;
                    tasksOnIt = inUse(id);
                    if (!tasksOnIt) {
                        programmedPeers.remove(id);
                        programmedTunnels.remove(id);
                    }
                }
                if (tasksOnIt) p.setIngress(null, null);
                else p.removeNetwork(id);
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("ingress network {}: {}", id, e.toString());
        }
    }

    /**
     * The WireGuard tunnel of an encrypted network, with the keys and peers of its view (again
     * when they change: a rotated key, a node come or gone). Without the view's tunnel (this node
     * has no key pair yet) it fails: the network's traffic is never carried in clear. Called with
     * the network's lock held.
     */
    private void programTunnel(DataPlane p, OverlaySpec spec) throws IOException {
        NetworkView.Tunnel tunnel;
        synchronized (this) {
            NetworkView view = views.get(spec.networkId());
            tunnel = view == null ? null : view.tunnel();
            if (tunnel != null && tunnel.equals(programmedTunnels.get(spec.networkId()))) return;
        }
        if (tunnel == null) throw new IOException("network " + spec.networkId() + " is encrypted and this node has no keys for it yet");
        p.ensureNetwork(spec, new TunnelKeys(tunnel.privateKey(), tunnel.presharedKey()));
        p.setTunnelPeers(spec.networkId(), Programming.tunnelPeers(tunnel));
        synchronized (this) {
            programmedTunnels.put(spec.networkId(), tunnel);
        }
    }

    /** A changed view of an encrypted network in use here: its tunnel's keys and peers again. */
    private void rekey(DataPlane p, String network) {
        try {
            locked(network, () -> {
                NetworkView view;
                synchronized (this) {
                    view = views.get(network);
                    if (view == null || !view.network().isEncrypted() || !programmedTunnels.containsKey(network)) return;
                }
                programTunnel(p, Programming.overlay(view.network(), view.dataPathPort()));
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("network {}: programming its tunnel: {}", network, e.toString());
        }
    }

    /** The node's published ports: the routing mesh's from the ingress view, and its tasks' host-mode ports. */
    private void programPorts(DataPlane p) {
        try {
            locked(PORTS, () -> {
                List<PublishedPort> want = new ArrayList<>();
                synchronized (this) {
                    if (ingressId != null) want.addAll(Programming.meshPorts(views.get(ingressId)));
                    Set<String> taken = new HashSet<>();
                    want.forEach(w -> taken.add(w.protocol() + "/" + w.port()));
                    for (var e : hostPorts.entrySet()) {
                        for (PublishedPort h : e.getValue()) {
                            if (taken.add(h.protocol() + "/" + h.port())) want.add(h);
                            else LOG.warn("task {}: port {}/{} is published already on this node", e.getKey(), h.port(), h.protocol());
                        }
                    }
                    if (want.equals(programmedPorts)) return;
                }
                p.setPublishedPorts(want);
                synchronized (this) {
                    programmedPorts = want;
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("publishing this node's ports: {}", e.toString());
        }
    }

    private synchronized String nodeId() {
        return nodeId;
    }

    private void programPeers(DataPlane p, String network) {
        try {
            locked(network, () -> {
                List<Peer> want;
                synchronized (this) {
                    if (!inUse(network)) return;
                    want = Programming.peers(views.get(network), nodeId);
                    if (want.equals(programmedPeers.get(network))) return;
                }
                p.setPeers(network, want);
                synchronized (this) {
                    programmedPeers.put(network, want);
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("network {}: programming its peers: {}", network, e.toString());
        }
    }

    private void programVips(DataPlane p, String sandbox) {
        try {
            locked(sandbox, () -> {
                List<Vip> want;
                synchronized (this) {
                    List<String> on = sandboxes.get(sandbox);
                    if (on == null) return;
                    want = Programming.vips(views, on);
                    if (want.equals(programmedVips.get(sandbox))) return;
                }
                p.setVips(sandbox, want);
                synchronized (this) {
                    if (sandboxes.containsKey(sandbox)) programmedVips.put(sandbox, want);
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.warn("task {}: programming its VIPs: {}", sandbox, e.toString());
        }
    }

    private interface KernelWork {
        void run() throws IOException;
    }

    /** Runs {@code work} holding the lock of one network or sandbox (ids of both are swarm ids: they never collide). */
    private void locked(String id, KernelWork work) throws IOException {
        ReentrantLock lock = locks.computeIfAbsent(id, k -> new ReentrantLock());
        lock.lock();
        try {
            work.run();
        } finally {
            lock.unlock();
        }
    }

    private synchronized List<String> networksOf(String sandbox) {
        return sandboxes.getOrDefault(sandbox, List.of());
    }

    /** Whether a sandbox here is on the network, or the node itself (the routing mesh's ingress). */
    private boolean inUse(String network) {
        return network.equals(ingressId) || sandboxes.values().stream().anyMatch(l -> l.contains(network));
    }

    private DataPlane requirePlane() throws ExecException {
        DataPlane p = plane;
        if (p == null) throw new ExecException("this node's overlay networking is not configured: it is in no swarm");
        return p;
    }
}
