package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import static io.shoal.network.OverlayTest.N1;
import static io.shoal.network.OverlayTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A service VIP in a sandbox spreads connections over the backends on three hosts, swaps them atomically, refuses without any. */
class VipTest {
    static final Inet4Address VIP = at(N1, 2).inet();
    static final Inet4Address EMPTY_VIP = at(N1, 3).inet();
    static final int PORT = 8080;

    @BeforeAll
    static void requireRoot() throws IOException {
        Nodes.requireRoot(VipTest.class);
    }

    @Test
    void vipSpreadsOverBackendsSwapsThemAtomicallyAndRefusesWithoutAny() throws Exception {
        try (Nodes nodes = Nodes.create(3)) {
            List<Inet4Address> backends = new ArrayList<>();
            List<Peer> everyone = new ArrayList<>();
            for (int h = 1; h <= 3; h++) {
                Ipv4Prefix addr = at(N1, 10 + h);
                Path sandbox = nodes.plane(h).ensureSandbox("b" + h);
                nodes.plane(h).attach("b" + h, N1, 0, addr);
                nodes.nameServer(sandbox, PORT, "b" + h);
                backends.add(addr.inet());
                everyone.add(new Peer(addr.inet(), nodes.address(h)));
            }
            Path client = nodes.plane(1).ensureSandbox("client");
            nodes.plane(1).attach("client", N1, 0, at(N1, 20));
            everyone.add(new Peer(at(N1, 20).inet(), nodes.address(1)));
            for (int h = 1; h <= 3; h++) nodes.plane(h).setPeers(N1.networkId(), everyone);
            for (Inet4Address b : backends) nodes.firstLineEventually(client, b, PORT);

            DataPlane h1 = nodes.plane(1);
            h1.setVips("client", List.of(new Vip(VIP, backends), new Vip(EMPTY_VIP, List.of())));
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 9; i++) seen.add(nodes.firstLine(client, VIP, PORT));
            assertEquals(Set.of("b1", "b2", "b3"), seen, "round-robin reaches every backend");

            long t0 = System.nanoTime();
            assertThrows(ConnectException.class, () -> nodes.firstLine(client, EMPTY_VIP, PORT), "a VIP without backends refuses");
            long refusedMillis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(refusedMillis < 500, "refused at once, not after a timeout: " + refusedMillis + " ms");
            assertTrue(!Nodes.ping(client, EMPTY_VIP), "ICMP to a VIP without backends fails too");

            // Swapped back to back while connections keep coming: every one of them reaches some
            // backend (the hooked chains stay; a chain that were made again could miss one).
            nodes.connectWhileSwapping(client, VIP, PORT, Duration.ZERO, 300,
                    round -> h1.setVips("client", List.of(new Vip(VIP, round % 2 == 0 ? backends.subList(0, 2) : backends.subList(2, 3)),
                            new Vip(EMPTY_VIP, List.of()))));
            assertThrows(ConnectException.class, () -> nodes.firstLine(client, EMPTY_VIP, PORT), "still refused after the swaps");

            h1.setVips("client", List.of(new Vip(VIP, List.of(backends.get(2)))));
            for (int i = 0; i < 4; i++) assertEquals("b3", nodes.firstLine(client, VIP, PORT), "only the new backend answers");

            h1.setVips("client", List.of());
            String tables = Nodes.run(client, Duration.ofSeconds(5), "nft", "list", "tables").out();
            assertEquals("", tables.strip(), "no VIPs, no table");
        }
    }
}
