package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * One overlay network on this node, in its own namespace: a bridge {@value #BRIDGE} holding the
 * gateway address, and a VXLAN device enslaved to it whose UDP socket lives in the home namespace
 * (created there with the {@code netns} attribute, so the device appears in the network's
 * namespace while the kernel keeps its socket where the underlay is). The device neither learns
 * nor floods: every remote endpoint is a static FDB entry (its MAC to its node) and a permanent
 * neighbour entry (its address to its MAC) that the device answers ARP from ({@code proxy}).
 */
final class Overlay {
    static final String BRIDGE = "br0";

    private final NetworkNamespace netns;
    private final Commands commands;
    private final NamespaceThread thread;
    private final Inet4Address underlay;
    private OverlaySpec spec;
    /** What is programmed for the peers; null until read from the kernel. */
    private PeerEntries peers;

    Overlay(NetworkNamespace netns, Commands commands, NamespaceThread thread, Inet4Address underlay) {
        this.netns = netns;
        this.commands = commands;
        this.thread = thread;
        this.underlay = underlay;
    }

    /**
     * The VXLAN device's name: unique on the machine as Docker's is ({@code vx-} + the VNI in hex +
     * the network id's start), at most 15 characters.
     */
    static String vxlanName(OverlaySpec spec) {
        String id = spec.networkId();
        return "vx-%06x-%s".formatted(spec.vni(), id.substring(0, Math.min(5, id.length())));
    }

    /**
     * Makes the network's namespace, bridge and VXLAN device exist as {@code spec} says, with
     * {@code mtu}; what is already there and complete is adopted untouched.
     */
    synchronized void ensure(OverlaySpec spec, int mtu) throws IOException {
        if (spec.equals(this.spec)) return;
        boolean fresh = !netns.exists();
        netns.ensure(thread);
        String vx = vxlanName(spec);
        Ipv4Prefix gateway = new Ipv4Prefix(Ipv4Prefix.toInt(spec.gateway()), spec.subnet().bits());
        boolean complete = !fresh && thread.in(netns.file(), () ->
                Interfaces.isUp(BRIDGE) && Interfaces.isUp(vx) && Interfaces.address(BRIDGE).equals(Optional.of(gateway)));
        if (!complete) build(spec, mtu, vx, gateway, fresh ? List.of() : clearForRebuild(vx));
        this.spec = spec;
    }

    /**
     * Deletes a half-made bridge and VXLAN device and returns the sandboxes' veth ends, which the
     * new bridge takes back: rebuilding must not cut off the sandboxes already attached.
     */
    private List<String> clearForRebuild(String vx) throws IOException {
        List<String> veths = links("veth");
        thread.in(netns.file(), () -> {
            Interfaces.delete(vx);
            Interfaces.delete(BRIDGE);
            return null;
        });
        return veths;
    }

    private void build(OverlaySpec spec, int mtu, String vx, Ipv4Prefix gateway, List<String> veths) throws IOException {
        // An encrypted network's device has its socket in the network's namespace, where the only way out is its tunnel.
        NamespaceThread.Body<Void> addVxlan = () -> {
            int ns = spec.encrypted() ? -1 : Libc.open(netns.file());
            try (Netlink netlink = Netlink.open()) {
                netlink.apply(List.of(Netlink.addVxlan(vx, spec.vni(), underlay, spec.vxlanPort(), mtu, ns)));
            } finally {
                if (ns >= 0) Libc.close(ns);
            }
            return null;
        };
        if (spec.encrypted()) thread.in(netns.file(), addVxlan);
        else thread.atHome(addVxlan);
        thread.in(netns.file(), () -> {
            try (Netlink netlink = Netlink.open()) {
                netlink.apply(List.of(Netlink.addBridge(BRIDGE, Mac.of(spec.gateway()).bytes(), mtu)));
                Interfaces.configure(BRIDGE, gateway);
                int bridge = Interfaces.index(BRIDGE);
                List<Netlink.Request> ports = new ArrayList<>();
                ports.add(Netlink.enslaveUp(vx, bridge));
                for (String veth : veths) ports.add(Netlink.enslaveUp(veth, bridge));
                netlink.apply(ports);
            }
            return null;
        });
        peers = PeerEntries.of(List.of());
    }

    /** The spec this overlay was ensured with, null until then. */
    synchronized OverlaySpec spec() {
        return spec;
    }

    /**
     * A veth from the bridge: {@code end} on it and up, {@code peer} made in the namespace pinned
     * at {@code peerNetns} with {@code mac}; a stale end of that name is replaced. The end's name
     * must be unique on the network (the sandboxes' are named after their addresses).
     */
    synchronized void attach(String end, Path peerNetns, String peer, Mac mac, int mtu) throws IOException {
        requireSpec();
        thread.in(netns.file(), () -> {
            Interfaces.addVeth(end, BRIDGE, false, peerNetns, peer, mac, mtu);
            return null;
        });
    }

    /**
     * Programs exactly {@code wanted} (endpoints on this node are left out: the bridge reaches
     * them). Only the difference to what is programmed is written, as netlink requests: none
     * when nothing changed.
     */
    synchronized void setPeers(Collection<Peer> wanted) throws IOException {
        String vx = vxlanName(requireSpec());
        PeerEntries target = PeerEntries.of(wanted.stream().filter(p -> !p.nodeAddress().equals(underlay)).toList());
        if (target.equals(peers)) return;
        PeerEntries known = peers;
        try {
            thread.in(netns.file(), () -> {
                int device = Interfaces.index(vx);
                try (Netlink netlink = Netlink.open()) {
                    PeerEntries now = known != null ? known : PeerEntries.read(netlink, device);
                    netlink.apply(now.changesTo(target, device));
                }
                return null;
            });
            peers = target;
        } catch (IOException e) {
            peers = null; // half applied: read the kernel again next time
            throw e;
        }
    }

    /**
     * Deletes the VXLAN device at once (a dying namespace frees its devices later, and until then
     * the VNI could not be used again) and unpins the namespace.
     */
    synchronized void remove() throws IOException {
        if (netns.exists()) {
            // For a network this data plane never ensured (a sweep after a restart): every VXLAN device there.
            List<String> devices = spec != null ? List.of(vxlanName(spec)) : links("vxlan");
            thread.in(netns.file(), () -> {
                for (String device : devices) Interfaces.delete(device);
                return null;
            });
        }
        netns.delete();
        spec = null;
        peers = null;
    }

    /** The names of the links of {@code type} in the network's namespace. */
    private List<String> links(String type) throws IOException {
        // 7: ve0a000105@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1450 ...
        return commands.ipShow(netns.file(), "-o", "link", "show", "type", type).lines()
                .map(l -> l.split(":\\s+", 3))
                .filter(f -> f.length >= 2)
                .map(f -> f[1].split("@")[0])
                .toList();
    }

    private OverlaySpec requireSpec() {
        if (spec == null) throw new IllegalStateException("network not ensured on this node");
        return spec;
    }
}
