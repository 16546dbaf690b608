package io.shoal.agent.network;

import io.shoal.api.Defaults;
import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.api.Task;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.common.Ipv4Prefix;
import io.shoal.network.OverlaySpec;
import io.shoal.network.Peer;
import io.shoal.network.PublishedPort;
import io.shoal.network.TunnelPeer;
import io.shoal.network.Vip;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** What tasks' attachments and the managers' views of networks mean for the data plane: pure functions. */
final class Programming {
    private static final Comparator<Inet4Address> BY_ADDRESS = Comparator.comparingInt(Ipv4Prefix::toInt);

    private Programming() {}

    /**
     * One overlay network of a task: the data plane's description of it, the task's address on it,
     * and whether it is {@code --internal} (no way out of the swarm).
     */
    record Attachment(OverlaySpec spec, Ipv4Prefix address, boolean internal) {}

    /**
     * The task's overlay networks in the order of its interfaces (the host network is none), with
     * the VXLAN port the views give (the default before any arrived).
     */
    static List<Attachment> attachments(Task task, Map<String, NetworkView> views) {
        if (task.networksAttachments() == null) return List.of();
        List<Attachment> out = new ArrayList<>();
        for (Task.NetworkAttachment a : task.networksAttachments()) {
            if (a.network() == null || a.network().isPredefined() || a.addresses() == null || a.addresses().isEmpty()) continue;
            NetworkView v = views.get(a.network().id());
            int port = v == null ? Defaults.DATA_PATH_PORT : v.dataPathPort();
            out.add(new Attachment(overlay(a.network(), port), Ipv4Prefix.parse(a.addresses().getFirst()),
                    a.network().spec().internal()));
        }
        return out;
    }

    /** The data plane's description of an allocated network. */
    static OverlaySpec overlay(Network n, int vxlanPort) {
        Ipv4Prefix subnet = n.subnet();
        Integer vni = n.vni();
        if (subnet == null || vni == null) throw new IllegalArgumentException("network " + n.spec().name() + " is not allocated");
        String gateway = n.allocated().gateway();
        String mtu = option(n, Network.MTU);
        return new OverlaySpec(n.id(), vni, subnet.masked(),
                gateway == null || gateway.isEmpty() ? Ipv4Prefix.inet(subnet.first() + 1) : Ipv4Prefix.inet(gateway),
                mtu == null ? 0 : Integer.parseInt(mtu.trim()), vxlanPort, n.isEncrypted());
    }

    /** A driver option as allocated, else as the user gave it. */
    private static String option(Network n, String key) {
        if (n.driverState() != null && n.driverState().options() != null && n.driverState().options().containsKey(key)) {
            return n.driverState().options().get(key);
        }
        var asked = n.spec().driverConfiguration();
        return asked == null || asked.options() == null ? null : asked.options().get(key);
    }

    static Inet4Address address(String dottedQuad) {
        return Ipv4Prefix.inet(dottedQuad);
    }

    /** The network's endpoints on other nodes, in a stable order. */
    static List<Peer> peers(NetworkView view, String nodeId) {
        if (view == null) return List.of();
        List<Peer> out = new ArrayList<>();
        for (NetworkView.Endpoint e : view.endpoints()) {
            if (e.nodeId().equals(nodeId) || e.nodeAddr() == null || e.nodeAddr().isEmpty()) continue;
            out.add(new Peer(endpoint(e.address()), address(e.nodeAddr())));
        }
        out.sort(Comparator.comparing(Peer::address, BY_ADDRESS));
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
            if (v == null || v.network().isIngress()) continue; // the routing mesh balances ingress on the nodes
            for (NetworkView.ServiceEntry s : v.services()) {
                if (s.mode() != EndpointMode.VIP || s.vip() == null) continue;
                out.add(new Vip(endpoint(s.vip()), running(v, s.serviceId())));
            }
        }
        out.sort(Comparator.comparing(Vip::vip, BY_ADDRESS));
        return out;
    }

    /** The addresses of the service's running tasks on the network, in a stable order. */
    static List<Inet4Address> running(NetworkView v, String serviceId) {
        return v.endpoints().stream().filter(e -> e.running() && serviceId.equals(e.serviceId()))
                .map(e -> endpoint(e.address())).sorted(BY_ADDRESS).toList();
    }

    /** This node's own address on the ingress network, as the view lists the nodes' endpoints; null when it has none. */
    static Ipv4Prefix nodeAddress(NetworkView ingress, String nodeId) {
        for (NetworkView.Endpoint e : ingress.endpoints()) {
            if (e.isNode() && e.nodeId().equals(nodeId)) return Ipv4Prefix.parse(e.address());
        }
        return null;
    }

    /**
     * The routing mesh's ports: every ingress-mode port the ingress view's services publish, each
     * to the service's running tasks' ingress addresses and its target port.
     */
    static List<PublishedPort> meshPorts(NetworkView ingress) {
        List<PublishedPort> out = new ArrayList<>();
        if (ingress == null) return out;
        for (NetworkView.ServiceEntry s : ingress.services()) {
            List<Inet4Address> tasks = running(ingress, s.serviceId());
            for (PortConfig p : s.ports()) {
                if (p.publishModeOrDefault() != PublishMode.INGRESS || !published(p)) continue;
                List<InetSocketAddress> backends = tasks.stream().map(a -> new InetSocketAddress(a, (int) p.targetPort())).toList();
                out.add(new PublishedPort(protocol(p), (int) p.publishedPort(), PublishedPort.Mode.INGRESS, backends));
            }
        }
        return out;
    }

    /** The task's host-mode ports, to its container at {@code gateway} (its address on the node's gateway bridge). */
    static List<PublishedPort> hostPorts(Task task, Inet4Address gateway) {
        List<PublishedPort> out = new ArrayList<>();
        if (task.endpoint() == null || task.endpoint().ports() == null || gateway == null) return out;
        for (PortConfig p : task.endpoint().ports()) {
            if (p.publishModeOrDefault() != PublishMode.HOST || !published(p)) continue;
            out.add(new PublishedPort(protocol(p), (int) p.publishedPort(), PublishedPort.Mode.HOST,
                    List.of(new InetSocketAddress(gateway, (int) p.targetPort()))));
        }
        return out;
    }

    /** A port with a number this node can publish: TCP or UDP (nftables here has no SCTP rules of ours). */
    private static boolean published(PortConfig p) {
        return p.publishedPort() > 0 && p.protocolOrDefault() != Protocol.SCTP;
    }

    private static PublishedPort.Protocol protocol(PortConfig p) {
        return p.protocolOrDefault() == Protocol.UDP ? PublishedPort.Protocol.UDP : PublishedPort.Protocol.TCP;
    }

    /** The other nodes of an encrypted network's tunnel, as the data plane takes them. */
    static List<TunnelPeer> tunnelPeers(NetworkView.Tunnel tunnel) {
        return tunnel.peers().stream().map(p -> new TunnelPeer(address(p.nodeAddr()), p.publicKey())).toList();
    }

    /** An address as the managers write it on a network: {@code 10.0.1.5/24}. */
    static Inet4Address endpoint(String cidr) {
        return Ipv4Prefix.parse(cidr).inet();
    }
}
