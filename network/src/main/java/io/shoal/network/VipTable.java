package io.shoal.network;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;

/**
 * The nftables table that load-balances a sandbox's service VIPs, as one {@code nft -f} script
 * that replaces the table whole: declare it (so the delete never fails), delete it, define it
 * anew, all in one transaction, so a connection sees the old backends or the new, never none.
 * Connections already made keep their backend (conntrack remembers the translation).
 *
 * <p>In the nat output hook a verdict map sends each VIP to a chain of its own that picks a
 * backend round-robin ({@code numgen inc}); VIPs without backends are in a set that the filter
 * output hook rejects, with a TCP reset for TCP and an ICMP error otherwise. With no VIPs the
 * table is simply gone.
 */
final class VipTable {
    static final String TABLE = "shoal";

    private VipTable() {}

    static String script(List<Vip> vips) {
        StringBuilder s = new StringBuilder(NftScript.replacing(TABLE));
        if (vips.isEmpty()) return s.toString();
        List<String> dispatch = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        StringBuilder chains = new StringBuilder();
        for (Vip v : vips) {
            String vip = v.vip().getHostAddress();
            if (v.backends().isEmpty()) {
                refused.add(vip);
                continue;
            }
            String chain = "vip-" + vip.replace('.', '-');
            dispatch.add(vip + " : goto " + chain);
            chains.append("  chain ").append(chain).append(" {\n    dnat to ").append(NftScript.roundRobin(v.backends().stream().map(Inet4Address::getHostAddress).toList())).append("\n  }\n");
        }
        s.append("table ip ").append(TABLE).append(" {\n");
        if (!dispatch.isEmpty()) {
            s.append("  map vips {\n    type ipv4_addr : verdict\n    elements = { ")
                    .append(String.join(", ", dispatch)).append(" }\n  }\n");
            s.append(chains);
            s.append("  chain nat-output {\n    type nat hook output priority -100; policy accept;\n")
                    .append("    ip daddr vmap @vips\n  }\n");
        }
        if (!refused.isEmpty()) {
            s.append("  set refused {\n    type ipv4_addr\n    elements = { ").append(String.join(", ", refused)).append(" }\n  }\n");
            s.append("  chain filter-output {\n    type filter hook output priority 0; policy accept;\n")
                    .append("    ip daddr @refused meta l4proto tcp reject with tcp reset\n")
                    .append("    ip daddr @refused reject\n  }\n");
        }
        s.append("}\n");
        return s.toString();
    }
}
