package io.shoal.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Ipv4PrefixTest {

    @Test
    void readsAndWritesCidrs() {
        Ipv4Prefix p = Ipv4Prefix.parse("10.0.1.5/24");
        assertEquals("10.0.1.5/24", p.toString());
        assertEquals("10.0.1.0/24", p.masked().toString());
        assertFalse(p.isMasked());
        assertTrue(p.masked().isMasked());
        assertEquals("255.255.255.255", Ipv4Prefix.format(Ipv4Prefix.parseAddress("255.255.255.255")));
        assertEquals("0.0.0.0/0", Ipv4Prefix.parse("0.0.0.0/0").toString());
    }

    @Test
    void spansItsAddresses() {
        Ipv4Prefix p = Ipv4Prefix.parse("10.0.1.0/29");
        assertEquals("10.0.1.0", Ipv4Prefix.format(p.first()));
        assertEquals("10.0.1.7", Ipv4Prefix.format(p.last()));
        assertEquals(8, p.size());
        assertTrue(p.contains(Ipv4Prefix.parseAddress("10.0.1.7")));
        assertFalse(p.contains(Ipv4Prefix.parseAddress("10.0.1.8")));
        Ipv4Prefix top = Ipv4Prefix.parse("255.255.255.0/24");
        assertEquals("255.255.255.255", Ipv4Prefix.format(top.last()));
        assertTrue(top.contains(-1));
        assertEquals(1L << 32, Ipv4Prefix.parse("1.2.3.4/0").size());
    }

    @Test
    void tellsOverlapAndContainment() {
        Ipv4Prefix eight = Ipv4Prefix.parse("10.0.0.0/8");
        Ipv4Prefix sub = Ipv4Prefix.parse("10.3.0.0/16");
        assertTrue(eight.overlaps(sub));
        assertTrue(sub.overlaps(eight));
        assertTrue(eight.contains(sub));
        assertFalse(sub.contains(eight));
        assertFalse(Ipv4Prefix.parse("10.0.1.0/24").overlaps(Ipv4Prefix.parse("10.0.2.0/24")));
        assertTrue(Ipv4Prefix.parse("10.0.1.128/25").overlaps(Ipv4Prefix.parse("10.0.1.0/24")));
    }

    @Test
    void refusesWhatIsNoIpv4Cidr() {
        for (String bad : new String[] {"10.0.1.0", "10.0.1.0/33", "10.0.1/24", "10.0.1.256/24", "fd00::/64", "10.0.1.0/x",
                "10.0.01.0.1/24", "-1.0.0.0/8", "10.0.1.0/ 24"}) {
            assertThrows(IllegalArgumentException.class, () -> Ipv4Prefix.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Ipv4Prefix.parseAddress("1.2.3"));
        assertThrows(IllegalArgumentException.class, () -> Ipv4Prefix.parseAddress("1.2.3.4.5"));
    }

    @Test
    void meetsTheJdksAddressesAndTheKernelsNetmask() throws Exception {
        assertEquals(java.net.InetAddress.getByName("10.0.1.5"), Ipv4Prefix.inet("10.0.1.5"));
        assertEquals(Ipv4Prefix.parseAddress("172.31.255.254"), Ipv4Prefix.toInt(Ipv4Prefix.inet("172.31.255.254")));
        assertEquals(Ipv4Prefix.inet("10.0.1.5"), Ipv4Prefix.parse("10.0.1.5/24").inet());
        assertEquals("255.255.240.0", java.net.InetAddress.getByAddress(Ipv4Prefix.parse("10.0.0.0/20").netmask()).getHostAddress());
        assertEquals("0.0.0.0", java.net.InetAddress.getByAddress(Ipv4Prefix.parse("10.0.0.0/0").netmask()).getHostAddress());
    }
}
