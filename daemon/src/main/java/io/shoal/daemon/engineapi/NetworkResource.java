package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.common.Ipv4Prefix;
import io.shoal.manager.allocator.NetworkAllocator;
import io.shoal.manager.control.NetworkControl;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network as {@code GET /networks} and {@code docker network inspect} show it: Docker's
 * NetworkResource, made from the swarm's {@link Network} as dockerd's convert package makes it
 * (BasicNetworkFromGRPC): the driver and options from the allocated driver state, the allocated
 * IPAM configs. Docker writes every field but Peers and Services, empty or not.
 */
record NetworkResource(
        String name,
        @JsonProperty("Id") String id,
        Instant created,
        String scope,
        String driver,
        @JsonProperty("EnableIPv6") boolean enableIPv6,
        @JsonProperty("IPAM") Ipam ipam,
        boolean internal,
        boolean attachable,
        boolean ingress,
        ConfigReference configFrom,
        boolean configOnly,
        @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, Object> containers,
        @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, String> options,
        @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, String> labels,
        List<PeerInfo> peers,
        Map<String, ServiceInfo> services) {

    record Ipam(String driver, @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, String> options,
                @JsonInclude(JsonInclude.Include.ALWAYS) List<IpamConfig> config) {}

    record IpamConfig(String subnet, @JsonProperty("IPRange") String ipRange, String gateway) {}

    record ConfigReference(@JsonInclude(JsonInclude.Include.ALWAYS) String network) {}

    record PeerInfo(String name, @JsonProperty("IP") String ip) {}

    record ServiceInfo(@JsonProperty("VIP") @JsonInclude(JsonInclude.Include.ALWAYS) String vip,
                       @JsonInclude(JsonInclude.Include.ALWAYS) List<String> ports,
                       @JsonProperty("LocalLBIndex") int localLbIndex,
                       @JsonInclude(JsonInclude.Include.ALWAYS) List<TaskInfo> tasks) {}

    record TaskInfo(String name, @JsonProperty("EndpointID") @JsonInclude(JsonInclude.Include.ALWAYS) String endpointId,
                    @JsonProperty("EndpointIP") String endpointIp, Map<String, String> info) {}

    static NetworkResource of(Network n) {
        Network.IpamOptions allocated = n.ipamOptions();
        List<IpamConfig> configs = new ArrayList<>();
        if (allocated != null && allocated.configs() != null) {
            for (Network.IpamConfig c : allocated.configs()) configs.add(new IpamConfig(c.subnet(), c.range(), c.gateway()));
        }
        Ipam ipam = new Ipam(allocated == null || allocated.driver() == null ? NetworkAllocator.DEFAULT_IPAM : allocated.driver().name(),
                allocated == null || allocated.driver() == null ? null : allocated.driver().options(), configs);
        return new NetworkResource(n.spec().name(), n.id(), n.createdAt(), n.spec().scope(), NetworkControl.driver(n),
                n.spec().ipv6Enabled(), ipam, n.spec().internal(), n.spec().attachable(), n.isIngress(), new ConfigReference(""),
                false, Map.of(), n.driverState() == null || n.driverState().options() == null ? Map.of() : n.driverState().options(),
                n.spec().labels() == null ? Map.of() : n.spec().labels(), null, null);
    }

    /**
     * With {@code --verbose}: each service on the network with its VIP and its tasks' addresses
     * (Docker shows what the node it asks knows from gossip; here the managers know it all), and
     * the nodes those tasks are on as the network's peers.
     */
    static NetworkResource verbose(Network n, List<NetworkControl.ServiceEndpoints> endpoints) {
        Map<String, ServiceInfo> services = new LinkedHashMap<>();
        Map<String, PeerInfo> peers = new LinkedHashMap<>();
        for (NetworkControl.ServiceEndpoints e : endpoints) {
            List<TaskInfo> tasks = new ArrayList<>();
            for (NetworkControl.TaskEndpoint t : e.tasks()) {
                Node node = t.node();
                String hostIp = node == null || node.status() == null ? null : node.status().addr();
                tasks.add(new TaskInfo(containerName(e.service().spec().name(), t.task()), "", bare(t.address()),
                        hostIp == null ? Map.of() : Map.of("Host IP", hostIp)));
                if (node != null) peers.putIfAbsent(node.id(), new PeerInfo(node.hostname(), hostIp));
            }
            services.put(e.service().spec().name(), new ServiceInfo(e.virtualIp() == null ? "" : bare(e.virtualIp()), List.of(), 0, tasks));
        }
        NetworkResource r = of(n);
        return new NetworkResource(r.name, r.id, r.created, r.scope, r.driver, r.enableIPv6, r.ipam, r.internal, r.attachable,
                r.ingress, r.configFrom, r.configOnly, r.containers, r.options, r.labels, List.copyOf(peers.values()), services);
    }

    /** A task's container name as Docker gives it: {@code service.slot.taskid}, the node id for a global service. */
    private static String containerName(String service, Task t) {
        return service + "." + (t.slot() > 0 ? Long.toString(t.slot()) : t.nodeId()) + "." + t.id();
    }

    /** An address without its prefix length: {@code 10.0.1.5} for {@code 10.0.1.5/24}. */
    private static String bare(String cidr) {
        return Ipv4Prefix.format(Ipv4Prefix.parse(cidr).address());
    }
}
