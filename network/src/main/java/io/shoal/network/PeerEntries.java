package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The entries a VXLAN device holds for remote endpoints: its FDB (MAC to the node's underlay
 * address) and its permanent neighbours (address to MAC). Kept as the kernel has them rather than
 * as peers, so entries that do not pair up (a failure between the FDB and the neighbour requests)
 * are seen and fixed.
 */
record PeerEntries(Map<String, Inet4Address> fdb, Map<Inet4Address, String> neighbours) {
    static PeerEntries of(Collection<Peer> peers) {
        Map<String, Inet4Address> fdb = new HashMap<>();
        Map<Inet4Address, String> neighbours = new HashMap<>();
        for (Peer p : peers) {
            String mac = Mac.of(p.address()).text();
            fdb.put(mac, p.nodeAddress());
            neighbours.put(p.address(), mac);
        }
        return new PeerEntries(fdb, neighbours);
    }

    /** What the VXLAN device {@code ifindex} holds now, read with {@code netlink} (in the device's namespace): two dumps. */
    static PeerEntries read(Netlink netlink, int ifindex) throws IOException {
        Map<String, Inet4Address> fdb = new HashMap<>();
        for (Netlink.Neighbour n : netlink.neighbours(Netlink.AF_BRIDGE)) {
            // The device's own entries (the bridge lists its ports' too); a remote's has its node as destination.
            if (n.ifindex() == ifindex && (n.flags() & Netlink.NTF_SELF) != 0 && n.lladdr() != null && address(n.destination()) != null) {
                fdb.put(Mac.of(n.lladdr()).text(), address(n.destination()));
            }
        }
        Map<Inet4Address, String> neighbours = new HashMap<>();
        for (Netlink.Neighbour n : netlink.neighbours(Netlink.AF_INET)) {
            if (n.ifindex() == ifindex && (n.state() & Netlink.NUD_PERMANENT) != 0 && n.lladdr() != null && address(n.destination()) != null) {
                neighbours.put(address(n.destination()), Mac.of(n.lladdr()).text());
            }
        }
        return new PeerEntries(fdb, neighbours);
    }

    /** The requests that turn these entries of the VXLAN device {@code ifindex} into {@code target}'s: FDB first, then neighbours. */
    List<Netlink.Request> changesTo(PeerEntries target, int ifindex) {
        List<Netlink.Request> out = new ArrayList<>();
        target.fdb.forEach((mac, node) -> {
            if (!node.equals(fdb.get(mac))) out.add(Netlink.replaceFdb(ifindex, new Mac(mac), node));
        });
        fdb.keySet().stream().filter(mac -> !target.fdb.containsKey(mac)).forEach(mac -> out.add(Netlink.deleteFdb(ifindex, new Mac(mac))));
        target.neighbours.forEach((addr, mac) -> {
            if (!Objects.equals(mac, neighbours.get(addr))) out.add(Netlink.replaceNeighbour(ifindex, addr, new Mac(mac)));
        });
        neighbours.keySet().stream().filter(addr -> !target.neighbours.containsKey(addr))
                .forEach(addr -> out.add(Netlink.deleteNeighbour(ifindex, addr)));
        return out;
    }

    private static Inet4Address address(byte[] bytes) {
        return bytes == null || bytes.length != 4 ? null : Ipv4Prefix.inet(ByteBuffer.wrap(bytes).getInt());
    }
}
