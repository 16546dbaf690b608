package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The entries a VXLAN device holds for remote endpoints: its FDB (MAC to the node's underlay
 * address) and its permanent neighbours (address to MAC). Kept as the kernel has them rather than
 * as peers, so entries that do not pair up (a crash between the two batches) are seen and fixed.
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

    /** What {@code device} in {@code netns} holds now: one {@code bridge} and one {@code ip} listing. */
    static PeerEntries read(Commands commands, Path netns, String device) throws IOException {
        Map<String, Inet4Address> fdb = new HashMap<>();
        // 02:42:0a:00:01:06 dst 10.9.0.2 link-netnsid 0 self permanent
        for (String line : commands.bridgeShow(netns, "fdb", "show", "dev", device).lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[1].equals("dst") && line.contains(" self")) fdb.put(f[0], Ipv4Prefix.inet(f[2]));
        }
        Map<Inet4Address, String> neighbours = new HashMap<>();
        // 10.0.1.6 lladdr 02:42:0a:00:01:06 PERMANENT
        for (String line : commands.ipShow(netns, "-4", "neigh", "show", "dev", device, "nud", "permanent").lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[1].equals("lladdr")) neighbours.put(Ipv4Prefix.inet(f[0]), f[2]);
        }
        return new PeerEntries(fdb, neighbours);
    }

    /** The {@code bridge -batch} lines that turn these FDB entries into {@code target}'s. */
    String fdbChanges(PeerEntries target, String device) {
        StringBuilder b = new StringBuilder();
        target.fdb.forEach((mac, node) -> {
            if (!node.equals(fdb.get(mac))) {
                b.append("fdb replace ").append(mac).append(" dev ").append(device)
                        .append(" dst ").append(node.getHostAddress()).append(" self permanent\n");
            }
        });
        fdb.keySet().stream().filter(mac -> !target.fdb.containsKey(mac))
                .forEach(mac -> b.append("fdb del ").append(mac).append(" dev ").append(device).append(" self\n"));
        return b.toString();
    }

    /** The {@code ip -batch} lines that turn these neighbour entries into {@code target}'s. */
    String neighbourChanges(PeerEntries target, String device) {
        StringBuilder b = new StringBuilder();
        target.neighbours.forEach((addr, mac) -> {
            if (!Objects.equals(mac, neighbours.get(addr))) {
                b.append("neigh replace ").append(addr.getHostAddress()).append(" lladdr ").append(mac)
                        .append(" dev ").append(device).append(" nud permanent\n");
            }
        });
        neighbours.keySet().stream().filter(addr -> !target.neighbours.containsKey(addr))
                .forEach(addr -> b.append("neigh del ").append(addr.getHostAddress()).append(" dev ").append(device).append('\n'));
        return b.toString();
    }
}
