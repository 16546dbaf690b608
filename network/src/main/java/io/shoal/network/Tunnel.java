package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import io.shoal.common.wireguard.Key;
import io.shoal.network.wireguard.Device;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An encrypted network's tunnel on this node: a {@link WireguardGo} started in the home namespace,
 * so its UDP socket reaches the underlay, whose TUN device is moved into the network's namespace.
 * There the device holds the node's underlay address (/32) and the default route, and the network's
 * VXLAN device has its socket (see {@link Overlay}): VXLAN packets to another node's address
 * enter the tunnel, which sends them to that node's WireGuard, encrypted. The namespace has no
 * other way out, so a packet for a node that is not a peer is dropped, never sent in the clear.
 *
 * <p>One peer per other node: its public key, its underlay address as the only allowed address,
 * and its endpoint on {@link #port} of the network's VNI. Every peer has the network's preshared
 * key and a keepalive, which keeps sessions warm and starts a handshake as soon as a peer is set.
 */
final class Tunnel {
    /** What WireGuard costs of each underlay packet, reserved for IPv6 as {@code wg-quick} does (IPv4 needs 60). */
    static final int OVERHEAD = 80;
    /** Each network's UDP port: {@value #FIRST_PORT} plus the VNI modulo {@value #PORTS}, the same on every node. */
    static final int FIRST_PORT = 51820, PORTS = 4096;
    private static final int KEEPALIVE_SECONDS = 25;

    private final NetworkNamespace netns;
    private final Commands commands;
    private final NamespaceThread thread;
    private final Path home;
    private final Inet4Address underlay;
    private final String suffix;
    private String ifname;
    private int port;
    private TunnelKeys keys;
    private List<TunnelPeer> peers = List.of();

    Tunnel(NetworkNamespace netns, Commands commands, NamespaceThread thread, Path home, Inet4Address underlay, String suffix) {
        this.netns = netns;
        this.commands = commands;
        this.thread = thread;
        this.home = home;
        this.underlay = underlay;
        this.suffix = suffix;
    }

    static int port(int vni) {
        return FIRST_PORT + vni % PORTS;
    }

    /** 7 hex digits of a hash of the data plane's state directory, which is its own on the machine. */
    static String suffix(Path stateDir) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(stateDir.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8))).substring(0, 7);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /**
     * The device's name, unique on the machine: {@code wg}, the VNI in 6 hex digits and the data
     * plane's {@code suffix} (7 characters that tell two data planes on one machine apart).
     */
    static String name(int vni, String suffix) {
        return "wg%06x%s".formatted(vni, suffix);
    }

    /**
     * Makes the tunnel run with {@code keys} and {@code mtu}, adopting a running one that is
     * complete; other keys than the running ones replace them in place (see {@link #apply}).
     */
    synchronized void ensure(OverlaySpec spec, TunnelKeys keys, int mtu) throws IOException {
        netns.ensure(thread);
        String name = name(spec.vni(), suffix);
        if (!name.equals(ifname) && !complete(name)) {
            WireguardGo.stop(name);
            WireguardGo.start(home, name);
            commands.ip(home, "link set " + name + " mtu " + mtu + "\nlink set " + name + " netns " + netns.file() + "\n");
            commands.ip(netns.file(), "addr add " + underlay.getHostAddress() + "/32 dev " + name + "\nlink set " + name
                    + " up\nroute replace default dev " + name + "\n");
        }
        this.ifname = name;
        this.port = port(spec.vni());
        this.keys = keys;
        apply();
    }

    /** The other nodes of the network: exactly these peers afterwards (this node is left out). */
    synchronized void setPeers(Collection<TunnelPeer> peers) throws IOException {
        requireRunning();
        this.peers = peers.stream().filter(p -> !p.nodeAddress().equals(underlay)).toList();
        apply();
    }

    /** The tunnel's device when this data plane has ensured it. */
    synchronized Optional<String> device() {
        return Optional.ofNullable(ifname);
    }

    /**
     * Stops the tunnel; its TUN device goes with its process. For a network this data plane never
     * ensured (a sweep after a restart), every TUN device in the namespace is a tunnel to stop. Must
     * run before the namespace is unpinned: the kernel moves the TUN devices of a dying namespace
     * to the machine's own.
     */
    synchronized void remove() throws IOException {
        List<String> names = ifname != null ? List.of(ifname) : netns.exists() ? tunDevices() : List.of();
        for (String name : names) WireguardGo.stop(name);
        ifname = null;
        keys = null;
        peers = List.of();
    }

    /**
     * Writes the difference between the device and what is wanted. A new preshared key keeps the
     * sessions (the next handshake, within two minutes, uses it: nodes that change it within that
     * time lose nothing). A new private key expires this node's sessions at once: traffic resumes
     * with the first handshake after the other nodes have its new public key, and theirs start
     * one as soon as they do (the keepalive).
     */
    private void apply() throws IOException {
        Map<Key, Device.Peer> wanted = new HashMap<>();
        for (TunnelPeer p : peers) {
            wanted.put(p.publicKey(), new Device.Peer(keys.presharedKey(), new InetSocketAddress(p.nodeAddress(), port),
                    Set.of(p.nodeAddress().getHostAddress() + "/32"), KEEPALIVE_SECONDS));
        }
        WireguardGo.uapi(ifname).apply(new Device(keys.privateKey(), port, wanted));
    }

    /**
     * Whether a tunnel of that name runs and is set up in the namespace: its socket answers, its
     * device is up there with the node's address, and the default route goes through it (read from
     * the namespace's own {@code /proc/thread-self/net/route}: no process).
     */
    private boolean complete(String name) throws IOException {
        if (!WireguardGo.uapi(name).answers()) return false;
        Ipv4Prefix address = new Ipv4Prefix(Ipv4Prefix.toInt(underlay), 32);
        return thread.in(netns.file(), () -> Interfaces.isUp(name) && Interfaces.address(name).equals(Optional.of(address))
                && defaultRouteThrough(name));
    }

    /** Whether this thread's namespace routes by default through {@code device}. */
    private static boolean defaultRouteThrough(String device) throws IOException {
        // Iface  Destination  Gateway  Flags ...
        return Files.readAllLines(Path.of("/proc/thread-self/net/route")).stream().skip(1)
                .map(l -> l.trim().split("\\s+"))
                .anyMatch(f -> f.length > 2 && f[0].equals(device) && f[1].equals("00000000"));
    }

    private List<String> tunDevices() throws IOException {
        return commands.ipShow(netns.file(), "-o", "link", "show", "type", "tun").lines()
                .map(l -> l.split(":\\s+", 3))
                .filter(f -> f.length >= 2)
                .map(f -> f[1].split("@")[0])
                .toList();
    }

    private void requireRunning() {
        if (ifname == null) throw new IllegalStateException("encrypted network not ensured on this node");
    }
}
