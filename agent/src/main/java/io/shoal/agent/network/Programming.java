package io.shoal.agent.network;

import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.network.Ipv4Prefix;
import io.shoal.network.OverlaySpec;
import io.shoal.network.Peer;
import io.shoal.network.Vip;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** What the managers' views of networks mean for the data plane: pure functions, tested alone. */
final class Programming {
    /** Where swarm keeps a network's VXLAN id, and the MTU a user asked for. */
    static final String VXLAN_ID = "com.docker.network.driver.overlay.vxlanid_list";
    static final String MTU = "com.docker.network.driver.mtu";

    private Programming() {}

    /** The data plane's description of an allocated network. */
    static OverlaySpec overlay(Network n) {
        var configs = n.ipamOptions() == null ? null : n.ipamOptions().configs();
        if (configs == null || configs.isEmpty() || configs.getFirst().subnet() == null) {
            throw new IllegalArgumentException("network " + n.spec().name() + " has no allocated subnet");
        }
        var c = configs.getFirst();
        Ipv4Prefix subnet = Ipv4Prefix.parse(c.subnet());
        Inet4Address gateway = c.gateway() == null || c.gateway().isEmpty() ? subnet.first() : Ipv4Prefix.address(c.gateway());
        Map<String, String> state = n.driverState() == null || n.driverState().options() == null ? Map.of() : n.driverState().options();
        String vni = state.get(VXLAN_ID);
        if (vni == null) throw new IllegalArgumentException("network " + n.spec().name() + " has no VXLAN id");
        String mtu = state.get(MTU);
        if (mtu == null && n.spec().driverConfiguration() != null && n.spec().driverConfiguration().options() != null) {
            mtu = n.spec().driverConfiguration().options().get(MTU);
        }
        return new OverlaySpec(n.id(), Integer.parseInt(vni.split(",")[0].trim()), subnet, gateway,
                mtu == null ? 0 : Integer.parseInt(mtu.trim()));
    }

    /** The network's endpoints on other nodes, in a stable order. */
    static List<Peer> peers(NetworkView view, String nodeId) {
        if (view == null) return List.of();
        List<Peer> out = new ArrayList<>();
        for (NetworkView.Endpoint e : view.endpoints()) {
            if (e.nodeId().equals(nodeId) || e.nodeAddr() == null || e.nodeAddr().isEmpty()) continue;
            out.add(new Peer(Ipv4Prefix.parse(e.address()).address(), Ipv4Prefix.address(e.nodeAddr())));
        }
        out.sort(Comparator.comparing(p -> p.address().getHostAddress()));
        return out;
    }

    /**
     * The VIP table of a sandbox on these networks: every VIP-mode service of each, with its running
     * tasks on that network as backends (none: the VIP refuses).
     */
    static List<Vip> vips(Map<String, NetworkView> views, List<String> networks) {
        List<Vip> out = new ArrayList<>();
        for (String id : networks) {
            NetworkView v = views.get(id);
            if (v == null) continue;
            for (NetworkView.ServiceEntry s : v.services()) {
                if (s.mode() != EndpointMode.VIP || s.vip() == null) continue;
                List<Inet4Address> backends = v.endpoints().stream()
                        .filter(e -> e.running() && e.serviceId().equals(s.serviceId()))
                        .map(e -> Ipv4Prefix.parse(e.address()).address())
                        .sorted(Comparator.comparing(Inet4Address::getHostAddress)).toList();
                out.add(new Vip(Ipv4Prefix.parse(s.vip()).address(), backends));
            }
        }
        out.sort(Comparator.comparing(x -> x.vip().getHostAddress()));
        return out;
    }
}
