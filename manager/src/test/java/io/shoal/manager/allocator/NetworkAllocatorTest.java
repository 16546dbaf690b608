package io.shoal.manager.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shoal.api.ApiException;
import io.shoal.api.Driver;
import io.shoal.api.Network;
import io.shoal.api.Version;
import io.shoal.common.Ipv4Prefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a new network is given: subnet, gateway, VXLAN id and driver state. */
class NetworkAllocatorTest {
    static final NetworkConfig DEFAULTS = NetworkConfig.forInit(null, 0, 0);

    static Network spec(String name, String subnet, String range, String gateway, Map<String, String> options) {
        List<Network.IpamConfig> configs = subnet == null ? null : List.of(new Network.IpamConfig(subnet, range, gateway));
        return new Network(name, Version.NONE, null, null,
                new Network.Spec(name, null, new Driver("overlay", options), false, false, false, false,
                        new Network.IpamOptions(new Driver("default", null), configs), "swarm"), null, null);
    }

    static Network allocate(Network n, List<Network> others) {
        return NetworkAllocator.allocate(n, DEFAULTS, others);
    }

    @Test
    void networksWithoutASubnetTakeTheDefaultPoolsInTurn() {
        List<Network> swarm = new ArrayList<>();
        for (String name : List.of("ingress", "a", "b")) swarm.add(allocate(spec(name, null, null, null, null), swarm));
        assertEquals(List.of("10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"), swarm.stream().map(n -> n.allocated().subnet()).toList());
        assertEquals(List.of("10.0.0.1", "10.0.1.1", "10.0.2.1"), swarm.stream().map(n -> n.allocated().gateway()).toList());
        assertEquals(List.of(4096, 4097, 4098), swarm.stream().map(Network::vni).toList());
    }

    @Test
    void aDefaultSubnetSkipsWhatUsersTook() {
        List<Network> swarm = new ArrayList<>(List.of(
                allocate(spec("u1", "10.0.0.0/23", null, null, null), List.of()),
                allocate(spec("u2", "10.0.3.128/25", null, null, null), List.of())));
        assertEquals("10.0.2.0/24", allocate(spec("a", null, null, null, null), swarm).allocated().subnet());
        swarm.add(allocate(spec("a", null, null, null, null), swarm));
        assertEquals("10.0.4.0/24", allocate(spec("b", null, null, null, null), swarm).allocated().subnet());
    }

    @Test
    void theSwarmsPoolsAndSizeAreUsedAndRunOut() {
        NetworkConfig small = NetworkConfig.forInit(List.of("192.168.8.0/28", "172.30.0.0/16"), 29, 0);
        List<Network> swarm = new ArrayList<>();
        for (int i = 0; i < 3; i++) swarm.add(NetworkAllocator.allocate(spec("n" + i, null, null, null, null), small, swarm));
        assertEquals(List.of("192.168.8.0/29", "192.168.8.8/29", "172.30.0.0/29"),
                swarm.stream().map(n -> n.allocated().subnet()).toList());
        NetworkConfig one = NetworkConfig.forInit(List.of("192.168.8.0/29"), 29, 0);
        Network only = NetworkAllocator.allocate(spec("only", null, null, null, null), one, List.of());
        ApiException e = assertThrows(ApiException.class,
                () -> NetworkAllocator.allocate(spec("more", null, null, null, null), one, List.of(only)));
        assertEquals(400, e.status());
        assertEquals("could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network",
                e.getMessage());
    }

    @Test
    void anOverlappingSubnetIsRefusedInDockersWords() {
        Network a = allocate(spec("a", "10.10.0.0/16", null, null, null), List.of());
        ApiException e = assertThrows(ApiException.class, () -> allocate(spec("b", "10.10.7.0/24", null, null, null), List.of(a)));
        assertEquals(403, e.status());
        assertEquals("Pool overlaps with other one on this address space", e.getMessage());
    }

    @Test
    void theGatewayIsTheUsersOrTheFirstHostOfTheRange() {
        Network given = allocate(spec("g", "10.0.9.0/24", "10.0.9.128/25", "10.0.9.254", null), List.of());
        assertEquals(new Network.IpamConfig("10.0.9.0/24", "10.0.9.128/25", "10.0.9.254"), given.allocated());
        assertEquals("10.0.9.128", allocate(spec("r", "10.0.9.0/24", "10.0.9.128/25", null, null), List.of()).allocated().gateway());
        assertEquals("10.0.9.1", allocate(spec("s", "10.0.9.0/24", null, null, null), List.of()).allocated().gateway());
    }

    @Test
    void theDriverStateKeepsTheUsersOptionsBesideTheVxlanId() {
        Network n = allocate(spec("m", null, null, null, Map.of(Network.MTU, "1400")), List.of());
        assertEquals(new Driver("overlay", Map.of(Network.MTU, "1400", Network.VXLAN_ID_LIST, "4096")), n.driverState());
        assertEquals(new Driver("default", null), n.ipamOptions().driver());
        assertNull(n.allocated().range());
    }

    @Test
    void vxlanIdsGoUpFromTheHighestAndWrapToTheLowestFree() {
        assertEquals(4096, NetworkAllocator.nextVni(List.of()));
        assertEquals(5001, NetworkAllocator.nextVni(List.of(withVni(4096), withVni(5000))));
        assertEquals(4097, NetworkAllocator.nextVni(List.of(withVni(4096), withVni(NetworkAllocator.LAST_VNI))));
    }

    static Network withVni(int vni) {
        return new Network("v" + vni, Version.NONE, null, null, null, new Driver("overlay", Map.of(Network.VXLAN_ID_LIST, "" + vni)), null);
    }

    /** {@code docker swarm init --default-addr-pool --default-addr-pool-mask-length --data-path-port}, with dockerd's refusals. */
    @Test
    void initOptionsAreCheckedInDockersWords() {
        assertEquals(new NetworkConfig(List.of(Ipv4Prefix.parse("10.0.0.0/8")), 24, 4789), DEFAULTS);
        assertEquals(new NetworkConfig(List.of(Ipv4Prefix.parse("10.20.0.0/16")), 26, 7789),
                NetworkConfig.forInit(List.of(" 10.20.0.0/16 "), 26, 7789));
        assertRefused("subnet size is out of range: 30", () -> NetworkConfig.forInit(List.of("10.20.0.0/16"), 30, 0));
        assertRefused("invalid CIDR: \"10.20.0.0/16\". Subnet size is too small for pool: 12",
                () -> NetworkConfig.forInit(List.of("10.20.0.0/16"), 12, 0));
        assertRefused("invalid base pool 10.20.0/16: invalid IPv4 address 10.20.0", () -> NetworkConfig.forInit(List.of("10.20.0/16"), 0, 0));
        assertRefused("Datapath port number is not in valid range (1024-49151) : 80", () -> NetworkConfig.forInit(null, 0, 80));
    }

    static void assertRefused(String message, Runnable call) {
        ApiException e = assertThrows(ApiException.class, call::run);
        assertEquals(400, e.status());
        assertEquals(message, e.getMessage());
    }
}
