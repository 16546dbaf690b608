package io.shoal.manager.allocator;

import io.shoal.api.ApiException;
import io.shoal.api.Driver;
import io.shoal.api.Network;
import io.shoal.common.Ipv4Prefix;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What a new network holds, given when it is created (by the control API, so that an overlapping
 * subnet is refused at once rather than left unallocated as in swarmkit): its subnet (the user's,
 * or the first free one of the swarm's default address pools), its gateway (the user's, or the
 * first host address) and a VXLAN id (one above the highest in use, from 4096 as Docker's overlay
 * driver counts). The user's driver options go into the driver state beside the VXLAN id, as the
 * overlay driver keeps them: that is where nodes read the MTU.
 */
public final class NetworkAllocator {
    public static final String DRIVER = "overlay";
    public static final String DEFAULT_IPAM = "default";
    static final int FIRST_VNI = 4096;
    static final int LAST_VNI = (1 << 24) - 1;

    private NetworkAllocator() {}

    /** {@code n} with its subnet, gateway and VXLAN id; {@code others} are the swarm's other networks. */
    public static Network allocate(Network n, NetworkConfig config, Collection<Network> others) {
        List<Ipv4Prefix> taken = others.stream().map(Network::subnet).filter(Objects::nonNull).toList();
        Network.IpamConfig wanted = n.spec().ipamOptions() == null || n.spec().ipamOptions().configs() == null
                || n.spec().ipamOptions().configs().isEmpty() ? null : n.spec().ipamOptions().configs().getFirst();
        Ipv4Prefix subnet;
        if (wanted == null || wanted.subnet() == null || wanted.subnet().isEmpty()) {
            subnet = fromDefaultPools(config, taken);
        } else {
            subnet = Ipv4Prefix.parse(wanted.subnet()).masked();
            if (taken.stream().anyMatch(subnet::overlaps)) {
                throw new ApiException(403, "Pool overlaps with other one on this address space");
            }
        }
        String range = wanted == null || wanted.range() == null || wanted.range().isEmpty() ? null : wanted.range();
        String gateway = wanted == null || wanted.gateway() == null || wanted.gateway().isEmpty()
                ? firstHost(subnet, range) : wanted.gateway();

        Map<String, String> options = new HashMap<>();
        Driver configured = n.spec().driverConfiguration();
        if (configured != null && configured.options() != null) options.putAll(configured.options());
        options.put(Network.VXLAN_ID_LIST, Integer.toString(nextVni(others)));
        Network.IpamOptions requested = n.spec().ipamOptions();
        Driver ipamDriver = new Driver(requested == null || requested.driver() == null || requested.driver().name() == null
                || requested.driver().name().isEmpty() ? DEFAULT_IPAM : requested.driver().name(),
                requested == null || requested.driver() == null ? null : requested.driver().options());
        return new Network(n.id(), n.version(), n.createdAt(), n.updatedAt(), n.spec(), new Driver(DRIVER, options),
                new Network.IpamOptions(ipamDriver, List.of(new Network.IpamConfig(subnet.toString(), range, gateway))));
    }

    /**
     * The first subnet of the swarm's size, pool by pool, that overlaps none taken: a candidate
     * that overlaps one moves past it, so the search costs the number of subnets taken, not the
     * number of candidates.
     */
    static Ipv4Prefix fromDefaultPools(NetworkConfig config, List<Ipv4Prefix> taken) {
        List<Ipv4Prefix> sorted = new ArrayList<>(taken);
        sorted.sort(Comparator.comparing(p -> Integer.toUnsignedLong(p.first())));
        for (Ipv4Prefix pool : config.defaultAddrPool()) {
            long end = Integer.toUnsignedLong(pool.last());
            long step = 1L << (32 - config.subnetSize());
            long at = Integer.toUnsignedLong(pool.first());
            search:
            while (at + step - 1 <= end) {
                Ipv4Prefix candidate = new Ipv4Prefix((int) at, config.subnetSize());
                for (Ipv4Prefix t : sorted) {
                    if (t.overlaps(candidate)) {
                        long past = Integer.toUnsignedLong(t.last()) + 1;
                        at = Math.max(at + step, (past + step - 1) / step * step);
                        continue search;
                    }
                }
                return candidate;
            }
        }
        throw ApiException.invalid("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    }

    private static String firstHost(Ipv4Prefix subnet, String range) {
        AddressPool hosts = new AddressPool(subnet, range == null ? null : Ipv4Prefix.parse(range).masked());
        return Ipv4Prefix.format(hosts.allocate("gateway").orElseThrow(
                () -> ApiException.invalid("invalid subnet %s: it has no address for a gateway", subnet)));
    }

    /** One above the highest VXLAN id in use, or the lowest free once the top is reached. */
    static int nextVni(Collection<Network> others) {
        TreeSet<Integer> used = new TreeSet<>();
        for (Network o : others) {
            Integer vni = o.vni();
            if (vni != null) used.add(vni);
        }
        if (used.isEmpty()) return FIRST_VNI;
        if (used.last() < LAST_VNI) return Math.max(FIRST_VNI, used.last() + 1);
        for (int v = FIRST_VNI; v <= LAST_VNI; v++) {
            if (!used.contains(v)) return v;
        }
        throw ApiException.unavailable("no VXLAN id left for a new network");
    }
}
