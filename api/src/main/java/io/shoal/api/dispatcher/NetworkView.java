package io.shoal.api.dispatcher;

import io.shoal.api.Defaults;
import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import java.util.List;

/**
 * What a node must know of an overlay network it has tasks on (swarmkit spreads this by gossip;
 * the dispatcher knows it all already): the network, where each of its endpoints is, and the
 * services attached to it with their virtual IPs.
 */
public record NetworkView(Network network, int dataPathPort, List<Endpoint> endpoints, List<ServiceEntry> services) {

    /**
     * {@code dataPathPort}: the UDP port the swarm's VXLAN traffic uses (set at its init). Empty
     * lists travel as nothing (the JSON leaves them out): read back, they are empty again.
     */
    public NetworkView {
        if (dataPathPort == 0) dataPathPort = Defaults.DATA_PATH_PORT;
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
        services = services == null ? List.of() : List.copyOf(services);
    }

    /**
     * A task's address on the network, from the moment it is assigned until it is dead, so peers
     * can reach a container before it reports running. Only a {@code running} endpoint (observed
     * and desired running) is a load-balancing backend and resolves by name.
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
    }

    /**
     * A service attached to the network: its name and aliases resolve to its {@code vip} (CIDR) in
     * vip mode, to its running tasks' addresses in dnsrr mode (then {@code vip} is null).
     */
    public record ServiceEntry(String serviceId, String name, List<String> aliases, EndpointMode mode, String vip) {
        public ServiceEntry {
            aliases = aliases == null ? List.of() : List.copyOf(aliases);
            if (mode == null) mode = EndpointMode.VIP;
        }
    }

    public String networkId() {
        return network.id();
    }
}
