package io.shoal.manager.allocator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Driver;
import io.shoal.api.Network;
import io.shoal.api.Version;
import io.shoal.common.Ipv4Prefix;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The host addresses of a network: what is handed out, in which order, and what never is. */
class AddressPoolTest {

    static Network network(String subnet, String range, String gateway) {
        return new Network("n1", Version.NONE, null, null, null, new Driver("overlay", null),
                new Network.IpamOptions(new Driver("default", null), List.of(new Network.IpamConfig(subnet, range, gateway))));
    }

    static String next(AddressPool pool, String owner) {
        OptionalInt a = pool.allocate(owner);
        return a.isPresent() ? Ipv4Prefix.format(a.getAsInt()) : "none";
    }

    /** Everything the pool hands out until it is full, in order. */
    static List<String> drain(AddressPool pool) {
        List<String> out = new ArrayList<>();
        for (String a; !(a = next(pool, "t" + out.size())).equals("none"); ) out.add(a);
        return out;
    }

    static int ip(String a) {
        return Ipv4Prefix.parseAddress(a);
    }

    @Test
    void aSlash24HandsOutEveryHostAddressButTheGateway() {
        List<String> all = drain(AddressPool.of(network("10.0.1.0/24", null, "10.0.1.1")));
        assertEquals(253, all.size());
        assertEquals("10.0.1.2", all.getFirst());
        assertEquals("10.0.1.254", all.getLast());
        assertFalse(all.contains("10.0.1.0"), "the network address");
        assertFalse(all.contains("10.0.1.1"), "the gateway");
        assertFalse(all.contains("10.0.1.255"), "the broadcast address");
        assertEquals(253, new HashSet<>(all).size(), "each once");
    }

    @Test
    void otherSizes() {
        assertEquals(List.of("10.0.2.2", "10.0.2.3", "10.0.2.4", "10.0.2.5", "10.0.2.6"),
                drain(AddressPool.of(network("10.0.2.0/29", null, "10.0.2.1"))));
        assertEquals(List.of("10.0.3.2"), drain(AddressPool.of(network("10.0.3.0/30", null, "10.0.3.1"))));
        assertEquals(List.of(), drain(AddressPool.of(network("10.0.4.0/31", null, null))), "a /31 has no host address");
        assertEquals(List.of(), drain(new AddressPool(Ipv4Prefix.parse("10.0.5.7/32"), null)));
        assertEquals(65534, new AddressPool(Ipv4Prefix.parse("10.1.0.0/16"), null).size());
        assertEquals(List.of("255.255.255.253"), drain(AddressPool.of(network("255.255.255.252/30", null, "255.255.255.254"))),
                "at the top of the address space");
    }

    @Test
    void aGatewayElsewhereInTheSubnetIsSkipped() {
        List<String> all = drain(AddressPool.of(network("10.0.2.0/29", null, "10.0.2.4")));
        assertEquals(List.of("10.0.2.1", "10.0.2.2", "10.0.2.3", "10.0.2.5", "10.0.2.6"), all);
    }

    @Test
    void anIpRangeNarrowsWhatIsHandedOut() {
        AddressPool pool = AddressPool.of(network("10.0.9.0/24", "10.0.9.248/29", "10.0.9.1"));
        assertEquals(List.of("10.0.9.248", "10.0.9.249", "10.0.9.250", "10.0.9.251", "10.0.9.252", "10.0.9.253", "10.0.9.254"),
                drain(pool), "the range's own first address is a host of the subnet; the subnet's broadcast is not");
        assertEquals(List.of("10.0.9.1", "10.0.9.2", "10.0.9.3"),
                drain(AddressPool.of(network("10.0.9.0/24", "10.0.9.0/30", "10.0.9.254"))), "the subnet's network address is not");
        AddressPool inside = AddressPool.of(network("10.0.9.0/24", "10.0.9.128/30", "10.0.9.129"));
        assertEquals(List.of("10.0.9.128", "10.0.9.130", "10.0.9.131"), drain(inside), "a gateway in the range is skipped");
    }

    @Test
    void exhaustionGivesNothingUntilAnAddressIsFreed() {
        AddressPool pool = AddressPool.of(network("10.0.2.0/29", null, "10.0.2.1"));
        assertEquals(5, drain(pool).size());
        assertEquals("none", next(pool, "late"));
        assertTrue(pool.release(ip("10.0.2.4"), "t2"));
        assertEquals("10.0.2.4", next(pool, "late"));
        assertEquals("none", next(pool, "later"));
    }

    /** Next-fit: a freed address goes back to use last, as Docker's serial allocation. */
    @Test
    void freedAddressesAreReusedLast() {
        AddressPool pool = AddressPool.of(network("10.0.2.0/29", null, "10.0.2.1"));
        assertEquals("10.0.2.2", next(pool, "a"));
        assertEquals("10.0.2.3", next(pool, "b"));
        assertTrue(pool.release(ip("10.0.2.2"), "a"));
        assertEquals("10.0.2.4", next(pool, "c"));
        assertEquals("10.0.2.5", next(pool, "d"));
        assertEquals("10.0.2.6", next(pool, "e"));
        assertEquals("10.0.2.2", next(pool, "f"), "around, the freed one");
    }

    @Test
    void onlyTheHolderFreesAnAddress() {
        AddressPool pool = AddressPool.of(network("10.0.2.0/29", null, "10.0.2.1"));
        pool.hold(ip("10.0.2.3"), "task-a");
        assertFalse(pool.release(ip("10.0.2.3"), "task-b"), "another has it since");
        assertTrue(pool.isHeld(ip("10.0.2.3")));
        assertFalse(pool.release(ip("10.0.2.1"), "task-a"), "the gateway is the network's");
        assertTrue(pool.release(ip("10.0.2.3"), "task-a"));
        assertFalse(pool.isHeld(ip("10.0.2.3")));
    }

    @Test
    void aPoolReadFromTheStoreCarriesOnAboveWhatIsHeld() {
        AddressPool pool = AddressPool.of(network("10.0.1.0/24", null, "10.0.1.1"));
        for (String a : List.of("10.0.1.2", "10.0.1.9", "10.0.1.5")) pool.hold(ip(a), a);
        pool.resumeAfterHighest();
        assertEquals("10.0.1.10", next(pool, "x"));
        AddressPool fresh = AddressPool.of(network("10.0.1.0/24", null, "10.0.1.1"));
        fresh.hold(ip("10.0.1.2"), "a");
        assertEquals("10.0.1.3", next(fresh, "x"), "without it, from the bottom: the lowest free");
        Set<String> rest = new HashSet<>(drain(pool));
        assertTrue(rest.contains("10.0.1.3") && !rest.contains("10.0.1.9"), "and around");
    }
}
