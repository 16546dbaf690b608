package io.shoal.network;

import io.shoal.common.Ipv4Prefix;

/**
 * The nftables table {@code ip shoal_node} in the node's namespace that makes the gateway bridge
 * a way out and only that, replaced whole in one {@code nft -f} script. Postrouting masquerades
 * the gateway subnet going out any other interface (the containers' egress), and a connection
 * DNATed from one sandbox's gateway address back to another's (hairpin through a published port),
 * whose reply would otherwise go straight across the bridge, where ports are isolated. The
 * forward hook lets through what is established or DNATed (a published port) and drops every
 * other packet going into the gateway bridge or the ingress veth: nothing from outside, nor from
 * one sandbox to another, reaches a container's unpublished ports through the node.
 */
final class NodeTable {
    static final String TABLE = "shoal_node";

    private NodeTable() {}

    static String script(Ipv4Prefix gatewaySubnet) {
        String subnet = gatewaySubnet.masked().toString();
        return NftScript.replacing(TABLE)
                + "table ip " + TABLE + " {\n"
                + "  chain forward {\n    type filter hook forward priority 0; policy accept;\n"
                + "    ct state established,related accept\n"
                + "    ct status dnat accept\n"
                + "    oifname { \"" + GatewayBridge.BRIDGE + "\", \"" + Ingress.LINK + "\" } drop\n  }\n"
                + "  chain postrouting {\n    type nat hook postrouting priority 100; policy accept;\n"
                + "    ip saddr " + subnet + " oifname != \"" + GatewayBridge.BRIDGE + "\" masquerade\n"
                + "    ip saddr " + subnet + " ip daddr " + subnet + " ct status dnat masquerade\n  }\n"
                + "}\n";
    }

    /** Deletes the table and the ports table: what leaving the swarm leaves of both. */
    static String removal() {
        return NftScript.replacing(TABLE) + NftScript.replacing(PortsTable.TABLE);
    }
}
