package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import io.shoal.network.dns.Forwarder;
import io.shoal.network.dns.Names;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Stream;

/**
 * A node's data plane for overlay networks, driven with plain values: a namespace per network
 * (bridge + VXLAN), a namespace per task ("sandbox", which its container joins) with a veth per
 * attached network, static peers instead of learning, VIPs in nftables, and a DNS server on
 * 127.0.0.11 in every sandbox; in its own namespace, the gateway bridge (the sandboxes' way out),
 * the node's endpoint on the ingress network, and the published ports.
 *
 * <p>Everything it makes is pinned under {@code stateDir} and survives the daemon: every method is
 * idempotent and adopts what it finds complete, so a daemon restarted after a crash calls them
 * again for what it still runs without disturbing the running containers' traffic, then
 * {@link #sweep}s the rest. {@link #close()} only stops the DNS servers.
 *
 * <p>Methods for different networks and sandboxes may run concurrently; the caller orders those
 * on one sandbox (attach after its networks are wanted, remove after its container is gone).
 */
public final class DataPlane implements AutoCloseable {
    public static final int DEFAULT_VXLAN_PORT = 4789;
    /** Docker's docker_gwbridge subnet. */
    public static final Ipv4Prefix DEFAULT_GATEWAY_SUBNET = Ipv4Prefix.parse("172.18.0.0/16");
    /** VXLAN over UDP over IPv4 costs 50 bytes of each underlay frame. */
    static final int VXLAN_OVERHEAD = 50;
    private static final int ETHERNET_MTU = 1500;
    /** The largest MTU a veth takes; loopback's 65536 is above it. */
    private static final int MAX_LINK_MTU = 65535;
    private static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(2);

    private final Path networksDir;
    private final Path sandboxesDir;
    private final Inet4Address underlay;
    private final int defaultMtu;
    private final Commands commands;
    private final NamespaceThread thread;
    private final Forwarder forwarder;
    private final ConcurrentMap<String, Overlay> networks = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Sandbox> sandboxes = new ConcurrentHashMap<>();
    private final GatewayBridge gateway;
    private final Ingress ingress;
    private final PublishedPorts ports;
    private final ConcurrentMap<String, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final Path home;
    /** Ends the names of this data plane's tunnels, which share one directory of sockets with every other on the machine. */
    private final String tunnelSuffix;

    /**
     * A data plane in the daemon's own namespace.
     *
     * @param stateDir    where the namespaces are pinned; one per daemon, kept across restarts
     * @param underlay    the node's address that VXLAN packets leave from and peers send to
     * @param upstreamDns where names the swarm does not know are resolved (the host's resolv.conf)
     */
    public DataPlane(Path stateDir, Inet4Address underlay, List<InetSocketAddress> upstreamDns) throws IOException {
        this(null, stateDir, underlay, upstreamDns, DEFAULT_GATEWAY_SUBNET);
    }

    /**
     * A data plane in the daemon's own namespace whose gateway bridge uses {@code gatewaySubnet}
     * (Docker's {@code docker_gwbridge} subnet, {@link #DEFAULT_GATEWAY_SUBNET} unless the operator
     * chose another, e.g. because the node's network uses that one).
     */
    public DataPlane(Path stateDir, Inet4Address underlay, List<InetSocketAddress> upstreamDns, Ipv4Prefix gatewaySubnet)
            throws IOException {
        this(null, stateDir, underlay, upstreamDns, gatewaySubnet);
    }

    /**
     * A data plane that lives in the network namespace pinned at {@code home} rather than the
     * process's own: its VXLAN sockets and upstream DNS queries are there. For several nodes in one
     * process (tests, benchmarks), each in a host namespace.
     */
    public static DataPlane inNamespace(Path home, Path stateDir, Inet4Address underlay,
                                        List<InetSocketAddress> upstreamDns) throws IOException {
        return new DataPlane(home, stateDir, underlay, upstreamDns, DEFAULT_GATEWAY_SUBNET);
    }

    /** {@link #inNamespace(Path, Path, Inet4Address, List)} with a gateway subnet of its own. */
    public static DataPlane inNamespace(Path home, Path stateDir, Inet4Address underlay,
                                        List<InetSocketAddress> upstreamDns, Ipv4Prefix gatewaySubnet) throws IOException {
        return new DataPlane(home, stateDir, underlay, upstreamDns, gatewaySubnet);
    }

    private DataPlane(Path home, Path stateDir, Inet4Address underlay, List<InetSocketAddress> upstreamDns,
                      Ipv4Prefix gatewaySubnet) throws IOException {
        if (gatewaySubnet.bits() < 8 || gatewaySubnet.bits() > 29) {
            throw new IllegalArgumentException("gateway subnet " + gatewaySubnet + " must have a prefix length of 8 to 29");
        }
        this.networksDir = stateDir.toAbsolutePath().resolve("networks");
        this.sandboxesDir = stateDir.toAbsolutePath().resolve("sandboxes");
        this.underlay = underlay;
        this.home = home;
        this.tunnelSuffix = Tunnel.suffix(networksDir);
        this.thread = new NamespaceThread(home);
        this.commands = new Commands(home, thread);
        try {
            this.defaultMtu = thread.atHome(() -> underlayMtu(underlay)) - VXLAN_OVERHEAD;
        } catch (IOException | RuntimeException e) {
            thread.close();
            throw e;
        }
        // Egress leaves by the underlay's link, but loopback's MTU (a one-node swarm on 127.0.0.1) is no link's.
        int egressMtu = defaultMtu + VXLAN_OVERHEAD > MAX_LINK_MTU ? ETHERNET_MTU : defaultMtu + VXLAN_OVERHEAD;
        this.gateway = new GatewayBridge(gatewaySubnet, egressMtu, commands, thread);
        this.ingress = new Ingress(thread, home != null ? home.toAbsolutePath()
                : Path.of("/proc", Long.toString(ProcessHandle.current().pid()), "ns", "net"));
        this.ports = new PublishedPorts(commands);
        this.forwarder = new Forwarder(upstreamDns, UPSTREAM_TIMEOUT, new Forwarder.Sockets() {
            // Dual-stack, so the host's resolvers may be IPv6 ones too.
            @Override
            public DatagramChannel udp() throws IOException {
                return thread.atHome(DatagramChannel::open);
            }

            @Override
            public SocketChannel tcp() throws IOException {
                return thread.atHome(SocketChannel::open);
            }
        });
    }

    /** Why this machine cannot run a data plane (not root, a tool missing), or empty when it can. */
    public static Optional<String> unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) return Optional.of("the data plane needs root");
        return Commands.missing().map(tool -> "no " + tool + " command (iproute2, nftables, util-linux)");
    }

    /** Why this machine cannot carry encrypted networks (no wireguard-go, no TUN device), or empty when it can. */
    public static Optional<String> encryptionUnavailableReason() {
        return unavailableReason().or(WireguardGo::missing);
    }

    /**
     * Makes the network's namespace, bridge and VXLAN device exist; adopts them when they do. An
     * encrypted network must have been ensured with its keys by this data plane first.
     */
    public void ensureNetwork(OverlaySpec n) throws IOException {
        if (n.encrypted() && tunnel(n.networkId()).device().isEmpty()) {
            throw new IllegalStateException("encrypted network " + n.networkId() + " needs its keys: ensure it with them first");
        }
        overlay(n.networkId()).ensure(n, mtu(n));
    }

    /**
     * Makes the encrypted network exist with its tunnel and {@code keys}, adopting a running tunnel;
     * other keys than the tunnel's replace them in place. Fails, never falling back to plain VXLAN,
     * where the machine cannot run the tunnel ({@link #encryptionUnavailableReason()}).
     */
    public void ensureNetwork(OverlaySpec n, TunnelKeys keys) throws IOException {
        if (!n.encrypted()) throw new IllegalArgumentException("network " + n.networkId() + " is not encrypted");
        Optional<String> unavailable = WireguardGo.missing();
        if (unavailable.isPresent()) throw new IOException("cannot encrypt network " + n.networkId() + ": " + unavailable.get());
        tunnel(n.networkId()).ensure(n, keys, mtu(n) + VXLAN_OVERHEAD);
        ensureNetwork(n);
    }

    /** The encrypted network's other nodes: exactly these tunnel peers afterwards, written as a difference. */
    public void setTunnelPeers(String networkId, Collection<TunnelPeer> peers) throws IOException {
        tunnel(networkId).setPeers(peers);
    }

    /**
     * Programs the network's remote endpoints: exactly {@code peers} afterwards, written as a
     * difference to what is there. The network must have been ensured by this data plane.
     */
    public void setPeers(String networkId, Collection<Peer> peers) throws IOException {
        overlay(networkId).setPeers(peers);
    }

    /** Deletes the network's namespace and devices; its sandboxes should be detached or gone first. */
    public void removeNetwork(String networkId) throws IOException {
        ingress.networkRemoved(networkId);
        Overlay known = networks.get(networkId);
        boolean plain = known != null && known.spec() != null && !known.spec().encrypted();
        if (!plain) tunnel(networkId).remove();
        tunnels.remove(networkId);
        overlay(networkId).remove();
        networks.remove(networkId);
    }

    /** Makes the sandbox's namespace exist ({@code lo} up) and returns the file that pins it, for runc. */
    public Path ensureSandbox(String sandboxId) throws IOException {
        return sandbox(sandboxId).ensure().file();
    }

    /**
     * Attaches the sandbox to network {@code n} as {@code eth<index>} with {@code address} (the
     * task's address and the subnet's prefix length); ensures the network and sandbox first.
     */
    public void attach(String sandboxId, OverlaySpec n, int index, Ipv4Prefix address) throws IOException {
        if (index < 0 || index > Sandbox.MAX_INDEX) throw new IllegalArgumentException("attach index must be 0 to " + Sandbox.MAX_INDEX);
        if (!n.subnet().contains(address.address()) || address.bits() != n.subnet().bits()) {
            throw new IllegalArgumentException(address + " is not an address on " + n.subnet());
        }
        ensureNetwork(n);
        sandbox(sandboxId).attach(overlay(n.networkId()), index, address, mtu(n));
    }

    /**
     * Gives the sandbox exactly these VIPs in one nftables transaction that touches only the VIPs
     * that changed (each one's own chain, map element or set element); nothing when none did.
     */
    public void setVips(String sandboxId, List<Vip> vips) throws IOException {
        Set<Inet4Address> seen = new HashSet<>();
        for (Vip v : vips) {
            if (!seen.add(v.vip())) throw new IllegalArgumentException("VIP " + v.vip().getHostAddress() + " given twice");
        }
        sandbox(sandboxId).setVips(vips);
    }

    /** Serves DNS on 127.0.0.11:53 inside the sandbox from {@code names}; a second call swaps the names. */
    public void serveDns(String sandboxId, Names names) throws IOException {
        sandbox(sandboxId).serveDns(names, forwarder);
    }

    /**
     * Attaches the sandbox to the node's gateway bridge as {@code eth<index>}, with an address on
     * the gateway subnet that this data plane allocates, and the default route through the bridge:
     * the container's way out, masqueraded to the node's address. Makes the bridge the first time.
     * A sandbox that has it already keeps its address. Returns the address (as a task's endpoint
     * on the bridge: what a host-mode published port DNATs to).
     */
    public Ipv4Prefix attachGateway(String sandboxId, int index) throws IOException {
        if (index < 0 || index > Sandbox.MAX_INDEX) throw new IllegalArgumentException("attach index must be 0 to " + Sandbox.MAX_INDEX);
        return sandbox(sandboxId).attachGateway(gateway, index);
    }

    /**
     * Makes this node an endpoint of the ingress network for the routing mesh: the network ensured
     * as any overlay and a veth {@code shoal_ingress} in the node's namespace holding
     * {@code nodeAddress} (the node's address on it, with the subnet's prefix length), its other
     * end on the network's bridge. Its peers are set with {@link #setPeers} as any network's,
     * every node's ingress address among them. Makes the gateway bridge too, which holds what the
     * node forwards. {@code null, null}: the veth is deleted (the network goes with
     * {@link #removeNetwork} or {@link #sweep}).
     */
    public void setIngress(OverlaySpec n, Ipv4Prefix nodeAddress) throws IOException {
        if (n == null) {
            ingress.remove();
            return;
        }
        if (!n.subnet().contains(nodeAddress.address()) || nodeAddress.bits() != n.subnet().bits()
                || nodeAddress.address() == Ipv4Prefix.toInt(n.gateway())) {
            throw new IllegalArgumentException(nodeAddress + " is not an endpoint's address on " + n.subnet());
        }
        ensureNetwork(n);
        // The mesh forwards from the node's links into the veth: forwarding on, and the node table
        // that keeps everything but published ports out, on a node that runs no task as well.
        gateway.ensure();
        ingress.set(overlay(n.networkId()), n.networkId(), nodeAddress, mtu(n));
    }

    /**
     * Publishes exactly {@code ports} on the node's addresses: one nftables table replaced in one
     * transaction (nothing when unchanged), so a connection sees the old backends or the new.
     */
    public void setPublishedPorts(List<PublishedPort> published) throws IOException {
        Set<String> seen = new HashSet<>();
        for (PublishedPort p : published) {
            if (!seen.add(p.protocol() + "/" + p.port())) {
                throw new IllegalArgumentException("port " + p.port() + "/" + p.protocol().name().toLowerCase(Locale.ROOT) + " published twice");
            }
        }
        ports.set(published);
    }

    /** Stops the sandbox's DNS server and deletes its namespace (its veths and VIP table go with it). */
    public void removeSandbox(String sandboxId) throws IOException {
        Sandbox s = sandbox(sandboxId);
        Ipv4Prefix onGateway = s.gateway();
        s.remove();
        if (onGateway != null) gateway.release(onGateway);
        sandboxes.remove(sandboxId);
    }

    /**
     * Removes every sandbox and network under the state directory that is not in the live sets:
     * what a crashed daemon left behind once it has re-ensured what it still runs. With both sets
     * empty (leaving the swarm) the node's own parts go too: the gateway bridge, the ingress veth,
     * the node and published ports tables.
     */
    public void sweep(Set<String> liveNetworks, Set<String> liveSandboxes) throws IOException {
        List<IOException> failures = new ArrayList<>();
        if (liveNetworks.isEmpty() && liveSandboxes.isEmpty()) {
            // First, while the ingress network still holds the veth's other end: deleted with
            // it, the veth would vanish whenever the kernel frees that namespace.
            try {
                removeNodeParts();
            } catch (IOException e) {
                failures.add(e);
            }
        }
        for (String id : unlisted(sandboxesDir, sandboxes.keySet(), liveSandboxes)) {
            try {
                removeSandbox(id);
            } catch (IOException e) {
                failures.add(e);
            }
        }
        for (String id : unlisted(networksDir, networks.keySet(), liveNetworks)) {
            try {
                removeNetwork(id);
            } catch (IOException e) {
                failures.add(e);
            }
        }
        try {
            sweepTunnels();
        } catch (IOException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            IOException e = new IOException("sweep: " + failures.getFirst().getMessage(), failures.getFirst());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /** How many processes ({@code ip}; {@code nft} where libnftables is missing) this data plane has started. */
    public long processesStarted() {
        return commands.started();
    }

    /** Stops the DNS servers and the namespace thread; namespaces and devices stay for the next data plane. */
    @Override
    public void close() {
        sandboxes.values().forEach(Sandbox::close);
        thread.close();
    }

    /** The ingress veth and the gateway bridge, both tables (one nftables transaction). */
    private void removeNodeParts() throws IOException {
        ingress.remove();
        gateway.remove();
        ports.forget();
        commands.nft(null, NodeTable.removal());
    }

    private Overlay overlay(String networkId) {
        Ids.check("network", networkId);
        return networks.computeIfAbsent(networkId, id ->
                new Overlay(new NetworkNamespace(networksDir.resolve(id)), commands, thread, underlay));
    }

    private Tunnel tunnel(String networkId) {
        Ids.check("network", networkId);
        return tunnels.computeIfAbsent(networkId, id ->
                new Tunnel(new NetworkNamespace(networksDir.resolve(id)), commands, thread, home, underlay, tunnelSuffix));
    }

    /** Stops this data plane's tunnels that no network holds (a crash between starting one and moving its device). */
    private void sweepTunnels() throws IOException {
        Set<String> held = new HashSet<>();
        tunnels.values().forEach(t -> t.device().ifPresent(held::add));
        for (String name : WireguardGo.named(tunnelSuffix)) {
            if (!held.contains(name)) WireguardGo.stop(name);
        }
    }

    private Sandbox sandbox(String sandboxId) {
        Ids.check("sandbox", sandboxId);
        return sandboxes.computeIfAbsent(sandboxId, id -> new Sandbox(new NetworkNamespace(sandboxesDir.resolve(id)), commands, thread));
    }

    private int mtu(OverlaySpec n) {
        return n.mtu() != 0 ? n.mtu() : n.encrypted() ? defaultMtu - Tunnel.OVERHEAD : defaultMtu;
    }

    /** Ids known here or pinned under {@code dir} that are not {@code live}. */
    private static Set<String> unlisted(Path dir, Set<String> known, Set<String> live) throws IOException {
        Set<String> ids = new HashSet<>(known);
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.map(f -> f.getFileName().toString()).filter(Ids::valid).forEach(ids::add);
            }
        }
        ids.removeAll(live);
        return ids;
    }

    /** The MTU of the interface holding {@code underlay} (Ethernet's when no interface here has it). */
    private static int underlayMtu(Inet4Address underlay) throws IOException {
        NetworkInterface nic = NetworkInterface.getByInetAddress(underlay);
        return nic == null ? ETHERNET_MTU : nic.getMTU();
    }
}
