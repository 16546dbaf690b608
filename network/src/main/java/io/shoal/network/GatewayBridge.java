package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * The node's way out for its containers, docker_gwbridge's role: a bridge {@value #BRIDGE} in the
 * node's namespace holding the gateway subnet's first address, IPv4 forwarding on, and the
 * {@link NodeTable}. Sandboxes get a veth on it whose bridge end is isolated (sandboxes never
 * talk to each other over it) and named {@code gw<address in hex>}, so the addresses in use are
 * read back from the node's interface names after a restart.
 */
final class GatewayBridge {
    static final String BRIDGE = "shoal_gwbridge";
    private static final String END = "gw";
    private static final Path FORWARDING = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final Ipv4Prefix subnet;
    private final Ipv4Prefix address;
    private final int mtu;
    private final Commands commands;
    private final NamespaceThread thread;
    /** Whether bridge, forwarding and table were checked or made by this data plane. */
    private boolean ready;
    /** Addresses held by sandboxes' ends; null until read from the node's interfaces. */
    private Set<Integer> taken;
    private int next;

    GatewayBridge(Ipv4Prefix subnet, int mtu, Commands commands, NamespaceThread thread) {
        this.subnet = subnet.masked();
        this.address = new Ipv4Prefix(this.subnet.first() + 1, subnet.bits());
        this.mtu = mtu;
        this.commands = commands;
        this.thread = thread;
        this.next = this.subnet.first() + 2;
    }

    Inet4Address gateway() {
        return address.inet();
    }

    int mtu() {
        return mtu;
    }

    /** Whether {@code a} is an address a sandbox gets here (in the subnet, its prefix length). */
    boolean holds(Ipv4Prefix a) {
        return a.bits() == subnet.bits() && subnet.contains(a.address()) && a.address() != address.address();
    }

    /** The bridge end of the veth of the sandbox with {@code a}. */
    private static String end(Ipv4Prefix a) {
        return END + HexFormat.of().formatHex(a.inet().getAddress());
    }

    /**
     * Makes the bridge (refusing a subnet that the node routes elsewhere already), turns forwarding
     * on and applies the node table; once per data plane, since the table cannot be read without
     * a process.
     */
    synchronized void ensure() throws IOException {
        if (ready) return;
        Optional<Ipv4Prefix> held = thread.atHome(() -> Interfaces.address(BRIDGE));
        if (held.isPresent() && !held.get().equals(address)) {
            throw new IOException(BRIDGE + " holds " + held.get() + ", not " + address + " of the gateway subnet " + subnet
                    + ": the subnet changed while sandboxes use the bridge; leave the swarm first or keep " + held.get().masked());
        }
        boolean exists = thread.atHome(() -> Interfaces.exists(BRIDGE));
        if (held.isEmpty() || !thread.atHome(() -> Interfaces.isUp(BRIDGE))) {
            refuseOverlap();
            commands.ip(null, (exists ? "" : "link add " + BRIDGE + " address " + Mac.of(address.inet()) + " mtu " + mtu + " type bridge\n")
                    + (held.isEmpty() ? "addr add " + address + " dev " + BRIDGE + "\n" : "")
                    + "link set " + BRIDGE + " up\n");
        }
        thread.atHome(() -> {
            if (!Files.readString(FORWARDING).strip().equals("1")) Files.writeString(FORWARDING, "1\n");
            return null;
        });
        commands.nft(null, NodeTable.script(subnet));
        ready = true;
    }

    /** A free address for a sandbox, taken until {@link #release}d; the first after a restart reads the node's interfaces. */
    synchronized Ipv4Prefix allocate() throws IOException {
        if (taken == null) taken = readTaken();
        long hosts = subnet.size() - 3; // less the network, the bridge's and the broadcast address
        for (long i = 0; i < hosts; i++) {
            int candidate = next;
            next = candidate + 1 >= subnet.last() ? subnet.first() + 2 : candidate + 1;
            if (taken.add(candidate)) return new Ipv4Prefix(candidate, subnet.bits());
        }
        throw new IOException("no free address left on the gateway subnet " + subnet);
    }

    /** Marks {@code a} as a sandbox's (one adopted after a restart). */
    synchronized void adopt(Ipv4Prefix a) {
        if (taken != null) taken.add(a.address());
    }

    synchronized void release(Ipv4Prefix a) {
        if (taken != null) taken.remove(a.address());
    }

    /**
     * A veth from the bridge to the sandbox pinned at {@code sandbox}: the end named after
     * {@code a} isolated and up, {@code eth} in the sandbox with the MAC of {@code a} (its
     * address is the caller's to set); a stale end of that name is replaced.
     */
    void attach(Ipv4Prefix a, Path sandbox, String eth) throws IOException {
        thread.atHome(() -> {
            Interfaces.addVeth(end(a), BRIDGE, true, sandbox, eth, Mac.of(a.inet()), mtu);
            return null;
        });
    }

    /**
     * Deletes the bridge, if it is there; the sandboxes' ends go with their namespaces (deleting
     * them here would race the kernel freeing them).
     */
    synchronized void remove() throws IOException {
        ready = false;
        taken = null;
        thread.atHome(() -> {
            Interfaces.delete(BRIDGE);
            return null;
        });
    }

    private Set<Integer> readTaken() throws IOException {
        Set<Integer> found = new HashSet<>();
        for (String name : thread.atHome(Interfaces::names)) parseEnd(name).filter(subnet::contains).ifPresent(found::add);
        return found;
    }

    private static Optional<Integer> parseEnd(String name) {
        if (name.length() != END.length() + 8 || !name.startsWith(END)) return Optional.empty();
        try {
            return Optional.of((int) Long.parseLong(name.substring(END.length()), 16));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private void refuseOverlap() throws IOException {
        for (Routes.Route r : thread.atHome(Routes::main)) {
            if (r.destination().bits() > 0 && !r.device().equals(BRIDGE) && r.destination().overlaps(subnet)) {
                throw new IOException("the gateway subnet " + subnet + " overlaps " + r.destination().masked() + ", routed on "
                        + r.device() + " in the node's namespace: choose another gateway subnet");
            }
        }
    }
}
