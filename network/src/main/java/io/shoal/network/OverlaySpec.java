package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import java.net.Inet4Address;
import java.util.Objects;

/**
 * An overlay network as a node's data plane needs it: its id, its VXLAN network identifier, its
 * subnet (e.g. {@code 10.0.1.0/24}), the gateway address its bridge holds, and its MTU (0: the
 * underlay's MTU less the 50 bytes of VXLAN encapsulation), and the UDP port its VXLAN traffic uses
 * (the swarm's data path port, {@link DataPlane#DEFAULT_VXLAN_PORT} unless set at its init), and
 * whether its traffic between nodes is encrypted ({@code --opt encrypted}: see {@link Tunnel}).
 */
public record OverlaySpec(String networkId, int vni, Ipv4Prefix subnet, Inet4Address gateway, int mtu, int vxlanPort,
                          boolean encrypted) {
    public OverlaySpec {
        Ids.check("network", networkId);
        if (vni < 1 || vni > 0xffffff) throw new IllegalArgumentException("VNI must be 1 to 16777215: " + vni);
        Objects.requireNonNull(subnet, "subnet");
        Objects.requireNonNull(gateway, "gateway");
        if (!subnet.contains(Ipv4Prefix.toInt(gateway))) throw new IllegalArgumentException("gateway " + gateway.getHostAddress() + " is not in " + subnet);
        if (mtu != 0 && (mtu < 68 || mtu > 65535)) throw new IllegalArgumentException("MTU must be 68 to 65535 (or 0 for the default): " + mtu);
        if (vxlanPort < 1 || vxlanPort > 65535) throw new IllegalArgumentException("invalid VXLAN port " + vxlanPort);
    }

    /** A network whose traffic is not encrypted. */
    public OverlaySpec(String networkId, int vni, Ipv4Prefix subnet, Inet4Address gateway, int mtu, int vxlanPort) {
        this(networkId, vni, subnet, gateway, mtu, vxlanPort, false);
    }
}
