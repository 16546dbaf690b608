package io.shoal.network;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The nftables table {@code ip shoal_ports} in the node's namespace that publishes ports, as one
 * {@code nft -f} script replacing the table whole (declare, delete, define: one transaction, so
 * a connection sees the old backends or the new, never none, as {@link VipTable} does).
 *
 * <p>New connections to any of the node's own addresses ({@code fib daddr type local}) go through
 * a verdict map on protocol and port to a chain per port that DNATs round-robin
 * ({@code numgen inc}) to a backend address and port: from the prerouting hook for clients
 * elsewhere and from the output hook for clients on the node itself (not to 127.0.0.0/8, whose
 * packets may not leave the loopback). Connections going out the ingress veth are masqueraded to
 * the node's ingress address, so the backend's replies come back here to be translated back;
 * host-mode backends are reached over the gateway bridge without, and see the client's address.
 * Ports without backends are in a set whose new connections the input hook refuses: a TCP reset,
 * an ICMP port unreachable for UDP. No ports: the table is gone.
 */
final class PortsTable {
    static final String TABLE = "shoal_ports";

    private PortsTable() {}

    static String script(List<PublishedPort> ports) {
        StringBuilder s = new StringBuilder(NftScript.replacing(TABLE));
        if (ports.isEmpty()) return s.toString();
        List<String> dispatch = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        StringBuilder chains = new StringBuilder();
        boolean ingress = false;
        for (PublishedPort p : ports) {
            String key = proto(p) + " . " + p.port();
            if (p.backends().isEmpty()) {
                refused.add(key);
                continue;
            }
            ingress |= p.mode() == PublishedPort.Mode.INGRESS;
            String chain = proto(p) + "-" + p.port();
            dispatch.add(key + " : goto " + chain);
            chains.append("  chain ").append(chain).append(" {\n    meta l4proto ").append(proto(p))
                    .append(" dnat ip to ").append(target(p.backends())).append("\n  }\n");
        }
        s.append("table ip ").append(TABLE).append(" {\n");
        if (!dispatch.isEmpty()) {
            s.append("  map ports {\n    type inet_proto . inet_service : verdict\n    elements = { ")
                    .append(String.join(", ", dispatch)).append(" }\n  }\n");
            s.append(chains);
            s.append("  chain prerouting {\n    type nat hook prerouting priority -100; policy accept;\n")
                    .append("    fib daddr type local meta l4proto . th dport vmap @ports\n  }\n");
            s.append("  chain output {\n    type nat hook output priority -100; policy accept;\n")
                    .append("    ip daddr != 127.0.0.0/8 fib daddr type local meta l4proto . th dport vmap @ports\n  }\n");
        }
        if (ingress) {
            s.append("  chain postrouting {\n    type nat hook postrouting priority 100; policy accept;\n")
                    .append("    oifname \"").append(Ingress.LINK).append("\" masquerade\n  }\n");
        }
        if (!refused.isEmpty()) {
            s.append("  set refused {\n    type inet_proto . inet_service\n    elements = { ")
                    .append(String.join(", ", refused)).append(" }\n  }\n");
            s.append("  chain input {\n    type filter hook input priority 0; policy accept;\n")
                    .append("    ct state new meta l4proto . th dport @refused meta l4proto tcp reject with tcp reset\n")
                    .append("    ct state new meta l4proto . th dport @refused reject\n  }\n");
        }
        s.append("}\n");
        return s.toString();
    }

    /** One backend as {@code address:port}; several round-robin to {@code address . port}. */
    private static String target(List<InetSocketAddress> backends) {
        String separator = backends.size() == 1 ? ":" : " . ";
        return NftScript.roundRobin(backends.stream()
                .map(b -> b.getAddress().getHostAddress() + separator + b.getPort()).toList());
    }

    private static String proto(PublishedPort p) {
        return p.protocol().name().toLowerCase(Locale.ROOT);
    }
}
