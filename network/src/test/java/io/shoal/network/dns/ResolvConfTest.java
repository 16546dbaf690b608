package io.shoal.network.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {
    @TempDir
    Path dir;

    @Test
    void readsTheNameserversInOrderAndNothingElse() throws Exception {
        Path f = dir.resolve("resolv.conf");
        Files.writeString(f, """
                # generated
                search example.org
                nameserver 10.9.0.1
                  nameserver   192.0.2.53
                options ndots:2
                nameserver ::1
                """);
        assertEquals(List.of("10.9.0.1:53", "192.0.2.53:53", "[0:0:0:0:0:0:0:1]:53"),
                ResolvConf.nameservers(f).stream().map(ResolvConfTest::text).toList());
    }

    @Test
    void aMissingFileHasNone() throws Exception {
        assertEquals(List.of(), ResolvConf.nameservers(dir.resolve("absent")));
    }

    @Test
    void aNameIsNotAnAddress() {
        assertThrows(IllegalArgumentException.class, () -> ResolvConf.nameserver("dns.example.org"));
    }

    private static String text(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
