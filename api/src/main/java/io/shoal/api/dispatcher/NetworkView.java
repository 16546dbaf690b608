package io.shoal.api.dispatcher;

import io.shoal.api.Defaults;
import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.PortConfig;
import io.shoal.common.wireguard.Key;
import java.util.List;

/**
 * What a node must know of an overlay network it has tasks on (swarmkit spreads this by gossip;
 * the dispatcher knows it all already): the network, where each of its endpoints is, and the
 * services attached to it with their virtual IPs, and for an encrypted network the keys and peers
 * of its tunnel. Every node gets the ingress network's view while a service publishes a port
 * through the routing mesh, whether or not it runs a task of it.
 */
public record NetworkView(Network network, int dataPathPort, List<Endpoint> endpoints, List<ServiceEntry> services,
                          Tunnel tunnel) {

    /**
     * {@code dataPathPort}: the UDP port the swarm's VXLAN traffic uses (set at its init). Empty
     * lists travel as nothing (the JSON leaves them out): read back, they are empty again.
     */
    public NetworkView {
        if (dataPathPort == 0) dataPathPort = Defaults.DATA_PATH_PORT;
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        services = services == null ? List.of() : List.copyOf(services);
    }

    /** The view of a network that is not encrypted. */
    public NetworkView(Network network, int dataPathPort, List<Endpoint> endpoints, List<ServiceEntry> services) {
        this(network, dataPathPort, endpoints, services, null);
    }

    /**
     * What the node this view is for needs to carry an encrypted network's traffic through its
     * WireGuard tunnel: its own private key (in no other node's view), the network's preshared key
     * as it is now (a rotation sends the view again), and every other node that has an endpoint
     * on the network, with its public key. A node whose key pair is not made yet is not a peer;
     * the view of an encrypted network has no tunnel while the receiving node has no key pair, and
     * then the node must not carry the network's traffic at all.
     */
    public record Tunnel(Key privateKey, Key presharedKey, List<Peer> peers) {
        public Tunnel {
            peers = peers == null ? List.of() : List.copyOf(peers);
        }
    }

    /** Another node of an encrypted network: its underlay address (as in {@link Endpoint#nodeAddr}) and public key. */
    public record Peer(String nodeId, String nodeAddr, Key publicKey) {}

    /**
     * A task's address on the network, from the moment it is assigned until it is dead, so peers
     * can reach a container before it reports running. Only a {@code running} endpoint (observed
     * and desired running) is a load-balancing backend and resolves by name. On the ingress
     * network a node's own address is an endpoint too, without a task ({@code taskId},
     * {@code name} and {@code serviceId} null, always {@code running}): the routing mesh's traffic
     * leaves a node from it, so every peer must reach it.
     *
     * @param name     {@code SERVICE.SLOT.TASKID} ({@code SERVICE.NODEID.TASKID} for global tasks)
     * @param address  CIDR, e.g. {@code 10.0.1.5/24}
     * @param nodeAddr the underlay address of the endpoint's node
     */
    public record Endpoint(String taskId, String name, String serviceId, List<String> aliases, String address,
                           String nodeId, String nodeAddr, boolean running) {
        public Endpoint {
            aliases = aliases == null ? List.of() : List.copyOf(aliases);
        }

        /** A node's own address on the ingress network. */
        public static Endpoint ofNode(String address, String nodeId, String nodeAddr) {
            return new Endpoint(null, null, null, List.of(), address, nodeId, nodeAddr, true);
        }

        /** A node's address rather than a task's. */
        public boolean isNode() {
            return taskId == null;
        }
    }

    /**
     * A service attached to the network: its name and aliases resolve to its {@code vip} (CIDR) in
     * vip mode, to its running tasks' addresses in dnsrr mode (then {@code vip} is null).
     * {@code ports} are its published ports as allocated (the published port always set), ingress
     * and host mode alike; on the ingress network its running endpoints are the backends of its
     * ingress-mode ones.
     */
    public record ServiceEntry(String serviceId, String name, List<String> aliases, EndpointMode mode, String vip,
                               List<PortConfig> ports) {
        public ServiceEntry {
            aliases = aliases == null ? List.of() : List.copyOf(aliases);
            if (mode == null) mode = EndpointMode.VIP;
            ports = ports == null ? List.of() : List.copyOf(ports);
        }

        /** A service that publishes no port. */
        public ServiceEntry(String serviceId, String name, List<String> aliases, EndpointMode mode, String vip) {
            this(serviceId, name, aliases, mode, vip, List.of());
        }
    }

    public String networkId() {
        return network.id();
    }
}
