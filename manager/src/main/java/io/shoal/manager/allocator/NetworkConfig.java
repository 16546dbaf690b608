package io.shoal.manager.allocator;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Defaults;
import io.shoal.common.Ipv4Prefix;
import java.util.ArrayList;
import java.util.List;

/**
 * The swarm's networking settings, chosen at {@code docker swarm init} and kept in the cluster
 * object: the default address pools that networks created without a subnet get theirs from, the
 * size of those subnets, and the VXLAN UDP port (swarmkit's names: DefaultAddrPool, SubnetSize,
 * VXLANUDPPort).
 */
public record NetworkConfig(List<Ipv4Prefix> defaultAddrPool, int subnetSize, int dataPathPort) {
    public static final List<String> DEFAULT_ADDR_POOL = List.of("10.0.0.0/8");
    public static final int DEFAULT_SUBNET_SIZE = 24;
    /** Docker's limit: a /29 has eight addresses, the fewest an overlay network is useful with. */
    private static final int MAX_SUBNET_SIZE = 29;

    /**
     * What {@code swarm init} asked for, with Docker's defaults for what it left out (no pool,
     * size 0, port 0), refused with Docker's words (daemon/cluster/listen_addr.go).
     */
    public static NetworkConfig forInit(List<String> defaultAddrPool, long subnetSize, long dataPathPort) {
        long size = subnetSize == 0 ? DEFAULT_SUBNET_SIZE : subnetSize;
        if (size < 0 || size > MAX_SUBNET_SIZE) throw ApiException.invalid("subnet size is out of range: %d", size);
        List<Ipv4Prefix> pools = new ArrayList<>();
        for (String p : defaultAddrPool == null || defaultAddrPool.isEmpty() ? DEFAULT_ADDR_POOL : defaultAddrPool) {
            Ipv4Prefix pool;
            try {
                pool = Ipv4Prefix.parse(p.strip());
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("invalid base pool %s: %s", p, e.getMessage());
            }
            if (size < pool.bits()) {
                throw ApiException.invalid("invalid CIDR: \"%s\". Subnet size is too small for pool: %d", p, size);
            }
            pools.add(pool.masked());
        }
        long port = dataPathPort == 0 ? Defaults.DATA_PATH_PORT : dataPathPort;
        if (port < 1024 || port > 49151) {
            throw ApiException.invalid("Datapath port number is not in valid range (1024-49151) : %d", port);
        }
        return new NetworkConfig(List.copyOf(pools), (int) size, (int) port);
    }

    /** The settings a cluster object holds; a cluster made before they were kept has Docker's defaults. */
    public static NetworkConfig of(Cluster c) {
        return forInit(c == null ? null : c.defaultAddrPool(), c == null ? 0 : c.subnetSize(), c == null ? 0 : c.dataPathPort());
    }

    /** The pools as the cluster object keeps them. */
    public List<String> poolCidrs() {
        return defaultAddrPool.stream().map(Ipv4Prefix::toString).toList();
    }
}
