package io.shoal.network;

import static io.shoal.network.OverlayTest.N1;
import static io.shoal.network.OverlayTest.at;
import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Type;

/**
 * A daemon restarted after a crash: a new data plane on the same state directory is told again what
 * runs, adopts it without touching it (no process for what is complete, same interfaces), and the
 * containers' traffic, even a connection open across the restart, never notices.
 */
class AdoptionTest {
    static final Inet4Address VIP = at(N1, 2).inet();

    @BeforeAll
    static void requireRoot() throws IOException {
        Nodes.requireRoot(AdoptionTest.class);
    }

    @Test
    void aRestartedDataPlaneAdoptsWhatRunsWithoutDisturbingIt() throws Exception {
        try (Nodes nodes = Nodes.create(2)) {
            DataPlane h2 = nodes.plane(2);
            Path b = h2.ensureSandbox("b");
            h2.attach("b", N1, 0, at(N1, 6));
            h2.setPeers(N1.networkId(), List.of(new Peer(at(N1, 5).inet(), nodes.address(1))));
            nodes.nameServer(b, 8080, "b");
            // Closed at the end: an open socket would keep b's namespace, and its veth, alive.
            ServerSocketChannel echo = nodes.thread().in(b, () -> ServerSocketChannel.open(StandardProtocolFamily.INET)
                    .bind(new InetSocketAddress(at(N1, 6).inet(), 7000)));
            nodes.closeAtEnd(echo);
            Thread.ofVirtual().start(() -> echoAll(echo));

            List<Peer> peers = List.of(new Peer(at(N1, 6).inet(), nodes.address(2)));
            List<Vip> vips = List.of(new Vip(VIP, List.of(at(N1, 6).inet())));
            DataPlane before = nodes.plane(1);
            Path a = before.ensureSandbox("a");
            before.attach("a", N1, 0, at(N1, 5));
            before.setPeers(N1.networkId(), peers);
            before.setVips("a", vips);
            before.serveDns("a", DnsTest.names(DnsTest.SWARM));
            assertEquals("b", nodes.firstLineEventually(a, VIP, 8080));

            Path network = OverlayTest.networkNs(nodes, 1, N1);
            // The bridge's operational state follows its ports' carrier through the kernel's link
            // watch, up to a second later: compare once it has settled.
            eventually(Duration.ofSeconds(5), () -> links(network).contains("br0: <BROADCAST,MULTICAST,UP,LOWER_UP>"));
            String interfacesBefore = links(a) + links(network);
            try (SocketChannel open = nodes.connect(a, at(N1, 6).inet(), 7000, Duration.ofSeconds(5))) {
                assertEquals("1", roundTrip(open, "1"));

                DataPlane after = nodes.start(1, List.of());
                long requests = Netlink.applied();
                assertEquals(a, after.ensureSandbox("a"));
                after.ensureNetwork(N1);
                after.attach("a", N1, 0, at(N1, 5));
                assertEquals(0, after.processesStarted(), "what is complete is adopted without a single process");
                assertEquals(requests, Netlink.applied(), "or netlink request");
                after.setPeers(N1.networkId(), peers);
                assertEquals(0, after.processesStarted(), "the peers are read (two netlink dumps)");
                assertEquals(requests, Netlink.applied(), "and not rewritten");
                after.setVips("a", vips);
                after.serveDns("a", DnsTest.names(Map.of("web", List.of("10.0.1.42"))));
                assertEquals(CostTest.NFT, after.processesStarted(), "the VIP table is replaced once, in one transaction");

                assertEquals("2", roundTrip(open, "2"), "a connection open across the restart still works");
                assertEquals(interfacesBefore, links(a) + links(network), "the same interfaces, untouched");
                assertEquals("b", nodes.firstLine(a, VIP, 8080), "the VIP still leads to b");
                assertEquals(List.of("10.0.1.42"), DnsTest.addresses(DnsClient.query(nodes.thread(), a, "web", Type.A, false)),
                        "the new data plane serves DNS again");

                after.sweep(Set.of(N1.networkId()), Set.of("a"));
                assertEquals("3", roundTrip(open, "3"), "a sweep with everything live removes nothing");
            }
        }
    }

    @Test
    void halfMadeStateIsRepairedWithoutCuttingOffTheRest() throws Exception {
        try (Nodes nodes = Nodes.create(1)) {
            DataPlane before = nodes.plane(1);
            Path a = before.ensureSandbox("a");
            Path c = before.ensureSandbox("c");
            before.attach("a", N1, 0, at(N1, 5));
            before.attach("c", N1, 0, at(N1, 7));
            Nodes.run(a, Duration.ofSeconds(5), "ip", "addr", "flush", "dev", "eth0");
            Nodes.run(OverlayTest.networkNs(nodes, 1, N1), Duration.ofSeconds(5), "ip", "link", "set", "br0", "down");

            DataPlane after = nodes.start(1, List.of());
            after.ensureNetwork(N1);
            after.attach("a", N1, 0, at(N1, 5));
            after.attach("c", N1, 0, at(N1, 7));
            assertTrue(Nodes.reaches(a, N1.gateway()), "the bridge rebuilt and eth0 made again: a reaches the gateway");
            assertEquals(Set.of("lo", "eth0"), Set.copyOf(Nodes.links(a)), "one eth0, the half-made one replaced");
            assertTrue(Nodes.reaches(c, at(N1, 5).inet()), "c, complete all along, is on the new bridge and reaches a");
        }
    }

    private static String links(Path netns) {
        try {
            return Nodes.run(netns, Duration.ofSeconds(5), "ip", "-o", "link").out();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String roundTrip(SocketChannel ch, String line) throws IOException {
        OutputStream out = ch.socket().getOutputStream();
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        return new BufferedReader(new InputStreamReader(ch.socket().getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    static void echoAll(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (c) {
                        BufferedReader in = new BufferedReader(new InputStreamReader(c.socket().getInputStream(), StandardCharsets.UTF_8));
                        PrintStream out = new PrintStream(c.socket().getOutputStream(), true, StandardCharsets.UTF_8);
                        for (String line; (line = in.readLine()) != null; ) out.println(line);
                    } catch (IOException e) {
                        // the client went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }
}
