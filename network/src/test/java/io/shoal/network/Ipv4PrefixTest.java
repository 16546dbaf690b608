package io.shoal.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class Ipv4PrefixTest {
    @Test
    void parsesPrintsAndFindsTheSubnet() {
        Ipv4Prefix p = Ipv4Prefix.parse("10.0.1.5/24");
        assertEquals("10.0.1.5/24", p.toString());
        assertEquals(Ipv4Prefix.parse("10.0.1.0/24"), p.network());
        assertEquals(32, Ipv4Prefix.parse("192.0.2.7").length());
        assertEquals(Ipv4Prefix.parse("0.0.0.0/0"), Ipv4Prefix.parse("10.9.8.7/0").network());
        assertEquals(Ipv4Prefix.parse("172.16.0.0/12"), Ipv4Prefix.parse("172.31.255.1/12").network());
    }

    @Test
    void containsOnlyItsSubnet() {
        Ipv4Prefix p = Ipv4Prefix.parse("10.0.1.0/24");
        assertTrue(p.contains(Ipv4Prefix.ipv4("10.0.1.255")));
        assertFalse(p.contains(Ipv4Prefix.ipv4("10.0.2.1")));
        assertTrue(Ipv4Prefix.parse("0.0.0.0/0").contains(Ipv4Prefix.ipv4("203.0.113.9")));
    }

    @Test
    void netmaskIsInNetworkOrder() {
        assertEquals("255.255.240.0", addr(Ipv4Prefix.parse("10.0.0.0/20").netmask()));
        assertEquals("0.0.0.0", addr(Ipv4Prefix.parse("10.0.0.0/0").netmask()));
    }

    @Test
    void refusesWhatIsNoIpv4AddressWithoutLookingItUp() {
        for (String bad : new String[] {"10.0.1/24", "10.0.1.256/24", "10.0.1.1/33", "web/24", "10.0.1.1/x", "1.2.3.4.5", "10.0.1.-1"}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Prefix.parse(bad), bad);
        }
    }

    @Test
    void macIsDockersDerivedFromTheAddress() {
        assertEquals("02:42:0a:00:01:05", Mac.of(Ipv4Prefix.ipv4("10.0.1.5")).text());
        assertEquals("02:42:ac:1f:ff:fe", Mac.of(Ipv4Prefix.ipv4("172.31.255.254")).text());
    }

    private static String addr(byte[] b) {
        try {
            return InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
