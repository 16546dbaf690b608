package io.shoal.network;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shoal.common.Ipv4Prefix;
import org.junit.jupiter.api.Test;

class MacTest {
    @Test
    void isDockersDerivedFromTheAddress() {
        assertEquals("02:42:0a:00:01:05", Mac.of(Ipv4Prefix.inet("10.0.1.5")).text());
        assertEquals("02:42:ac:1f:ff:fe", Mac.of(Ipv4Prefix.inet("172.31.255.254")).text());
    }
}
