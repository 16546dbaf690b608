package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import io.shoal.network.dns.Forwarder;
import io.shoal.network.dns.Names;
import io.shoal.network.dns.Resolver;
import io.shoal.network.dns.Responder;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A task's network namespace, the one its container joins: an {@code eth<N>} per attached network
 * (a veth whose other end is on that network's bridge), one more on the node's gateway bridge for
 * the way out, the VIP table, and the DNS server on 127.0.0.11.
 */
final class Sandbox {
    /** Interface names in the sandbox are {@code eth<index>}: 15 characters allow far more than this. */
    static final int MAX_INDEX = 999;

    private final NetworkNamespace netns;
    private final Commands commands;
    private final NamespaceThread thread;
    /** The sandbox's VIP table, or null when unknown (a new data plane adopting the sandbox). */
    private VipTable vips;
    private Resolver resolver;
    private Ipv4Prefix gateway;
    /**
     * Whether this object made the namespace: an interface it has not attached yet then cannot be
     * there, so it needs no look first (a namespace-thread call fewer each), and a stale veth end
     * can only be on the bridge's side, which {@link Interfaces#addVeth} replaces.
     */
    private boolean created;
    /** The interfaces this object attached since it made the namespace. */
    private final Set<String> attached = new HashSet<>();

    Sandbox(NetworkNamespace netns, Commands commands, NamespaceThread thread) {
        this.netns = netns;
        this.commands = commands;
        this.thread = thread;
    }

    synchronized NetworkNamespace ensure() throws IOException {
        if (!netns.exists()) {
            netns.ensure(thread);
            vips = VipTable.NONE; // a new namespace has no table: nothing to ask the kernel
            created = true;
            attached.clear();
        }
        return netns;
    }

    /**
     * Gives the sandbox {@code eth<index>} on {@code overlay}'s bridge with {@code address}; one
     * that already has it is adopted untouched. The bridge-side end is named after the address,
     * which is unique on the network, so a stale end (of a sandbox whose namespace the kernel has
     * not finished freeing) is found and replaced.
     */
    synchronized void attach(Overlay overlay, int index, Ipv4Prefix address, int mtu) throws IOException {
        netns.ensure(thread);
        String eth = "eth" + index;
        String ve = "ve" + HexFormat.of().formatHex(address.inet().getAddress());
        State state = created && !attached.contains(eth) ? State.ABSENT : thread.in(netns.file(), () -> {
            if (!Interfaces.exists(eth)) return State.ABSENT;
            return Interfaces.isUp(eth) && Interfaces.address(eth).equals(Optional.of(address)) ? State.READY : State.PARTIAL;
        });
        if (state == State.READY) return;
        if (state == State.PARTIAL) deleteLink(eth);
        overlay.attach(ve, netns.file(), eth, Mac.of(address.inet()), mtu);
        thread.in(netns.file(), () -> {
            Interfaces.configure(eth, address);
            return null;
        });
        attached.add(eth);
    }

    private enum State { ABSENT, PARTIAL, READY }

    private void deleteLink(String eth) throws IOException {
        thread.in(netns.file(), () -> {
            Interfaces.delete(eth);
            return null;
        });
    }

    /**
     * Gives the sandbox {@code eth<index>} on the gateway bridge with an address the bridge
     * allocates and the default route through it; one that already has both is adopted untouched
     * (its address read back). Returns the address.
     */
    synchronized Ipv4Prefix attachGateway(GatewayBridge gateway, int index) throws IOException {
        netns.ensure(thread);
        String eth = "eth" + index;
        if (!created || attached.contains(eth)) {
            Optional<Ipv4Prefix> ready = thread.in(netns.file(), () -> {
                Optional<Ipv4Prefix> a = Interfaces.address(eth);
                boolean complete = a.isPresent() && gateway.holds(a.get()) && Interfaces.isUp(eth) && Routes.defaultVia(gateway.gateway());
                return complete ? a : Optional.empty();
            });
            if (ready.isPresent()) {
                gateway.adopt(ready.get());
                this.gateway = ready.get();
                return ready.get();
            }
            deleteLink(eth);
        }
        gateway.ensure();
        Ipv4Prefix address = gateway.allocate();
        try {
            gateway.attach(address, netns.file(), eth);
            thread.in(netns.file(), () -> {
                Interfaces.configure(eth, address);
                Routes.addDefault(gateway.gateway());
                return null;
            });
        } catch (IOException | RuntimeException e) {
            gateway.release(address);
            throw e;
        }
        this.gateway = address;
        attached.add(eth);
        return address;
    }

    /** The sandbox's address on the gateway bridge, or null when it has none (or it was not attached by this data plane). */
    synchronized Ipv4Prefix gateway() {
        return gateway;
    }

    /** Changes the VIP table to {@code wanted} in one transaction, only the VIPs that differ; nothing when none does. */
    synchronized void setVips(List<Vip> wanted) throws IOException {
        VipTable.Change change = VipTable.change(vips, wanted);
        if (change.script().isEmpty()) return;
        vips = null; // unknown until nft says the transaction committed
        commands.nft(netns.file(), change.script());
        vips = change.after();
    }

    /** Serves DNS from {@code names} on 127.0.0.11:53 in the sandbox, binding the sockets the first time. */
    synchronized void serveDns(Names names, Forwarder forwarder) throws IOException {
        if (resolver != null) {
            resolver.names(names);
            return;
        }
        record Sockets(DatagramChannel udp, ServerSocketChannel tcp) {}
        Sockets sockets = thread.in(netns.file(), () -> {
            DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET).bind(Resolver.ADDRESS);
            try {
                ServerSocketChannel tcp = ServerSocketChannel.open(StandardProtocolFamily.INET);
                try {
                    tcp.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                    return new Sockets(udp, tcp.bind(Resolver.ADDRESS));
                } catch (IOException | RuntimeException e) {
                    tcp.close();
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                udp.close();
                throw e;
            }
        });
        try {
            resolver = new Resolver(sockets.udp(), sockets.tcp(), new Responder(names, forwarder));
        } catch (RuntimeException e) {
            sockets.udp().close();
            sockets.tcp().close();
            throw e;
        }
    }

    /** Stops the DNS server and unpins the namespace (its links and table go with it). */
    synchronized void remove() throws IOException {
        close();
        netns.delete();
        vips = null;
        gateway = null;
        created = false;
    }

    /** Stops the DNS server; the kernel's side stays, for the next data plane to adopt. */
    synchronized void close() {
        if (resolver != null) resolver.close();
        resolver = null;
    }
}
