package io.shoal.network;

import static io.shoal.network.AdoptionTest.roundTrip;
import static io.shoal.network.OverlayTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.common.Ipv4Prefix;
import io.shoal.common.wireguard.Key;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Encrypted overlay networks between two hosts: sandboxes talk over them as over plain ones, while
 * the wire between the hosts carries only WireGuard (a capture finds the plaintext over a plain
 * network and not over an encrypted one); keys are replaced under a live connection; a restarted
 * data plane adopts the running tunnel; removal leaves no process, socket or device.
 */
class EncryptedOverlayTest {
    static final OverlaySpec SECRET = encrypted("secretaaaaaaaaaaaaaaaaaa", 4196, "10.0.7.0/24");
    static final OverlaySpec PLAIN = OverlayTest.spec("plainbbbbbbbbbbbbbbbbbbb", 4197, "10.0.8.0/24");
    static final String MARKER = "the-plaintext-a-capture-must-not-find";
    static final int ECHO_PORT = 7000, DRAIN_PORT = 7001;

    @BeforeAll
    static void requireWireguard() throws IOException {
        Nodes.requireRoot(EncryptedOverlayTest.class);
        Optional<String> reason = DataPlane.encryptionUnavailableReason()
                .or(() -> Commands.find("tcpdump").isPresent() ? Optional.empty() : Optional.of("no tcpdump"));
        reason.ifPresent(r -> System.out.println("EncryptedOverlayTest skipped: " + r));
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
    }

    static OverlaySpec encrypted(String id, int vni, String subnet) {
        Ipv4Prefix s = Ipv4Prefix.parse(subnet);
        return new OverlaySpec(id, vni, s, Ipv4Prefix.inet(s.first() + 1), 0, DataPlane.DEFAULT_VXLAN_PORT, true);
    }

    /** Two hosts, each with a sandbox on both networks: on host 1, a (address 2); on host 2, b (address 3). */
    record Pair(Nodes nodes, Path a, Path b, TunnelKeys[] keys) {
        DataPlane plane(int host) throws IOException {
            return nodes.plane(host);
        }

        List<TunnelPeer> tunnelPeers() {
            return List.of(new TunnelPeer(nodes.address(1), keys[0].privateKey().publicKey()),
                    new TunnelPeer(nodes.address(2), keys[1].privateKey().publicKey()));
        }
    }

    static Pair pair(Nodes nodes) throws IOException {
        Key psk = Key.generatePreshared();
        TunnelKeys[] keys = {new TunnelKeys(Key.generatePrivate(), psk), new TunnelKeys(Key.generatePrivate(), psk)};
        Path a = nodes.plane(1).ensureSandbox("a"), b = nodes.plane(2).ensureSandbox("b");
        Pair p = new Pair(nodes, a, b, keys);
        for (int host = 1; host <= 2; host++) {
            DataPlane plane = nodes.plane(host);
            String sandbox = host == 1 ? "a" : "b";
            plane.ensureNetwork(SECRET, keys[host - 1]);
            plane.setTunnelPeers(SECRET.networkId(), p.tunnelPeers());
            plane.attach(sandbox, SECRET, 0, at(SECRET, host + 1));
            plane.attach(sandbox, PLAIN, 1, at(PLAIN, host + 1));
            for (OverlaySpec n : List.of(SECRET, PLAIN)) {
                plane.setPeers(n.networkId(), List.of(new Peer(at(n, 2).inet(), nodes.address(1)), new Peer(at(n, 3).inet(), nodes.address(2))));
            }
        }
        return p;
    }

    @Test
    void theWireBetweenHostsCarriesNoPlaintextOfAnEncryptedNetwork() throws Exception {
        try (Nodes nodes = Nodes.create(2)) {
            Pair p = pair(nodes);
            String eth0 = Nodes.run(p.a(), Duration.ofSeconds(5), "ip", "-o", "link", "show", "eth0").out();
            assertTrue(eth0.contains(" mtu 1370 "), "the underlay's MTU less WireGuard's 80 bytes and VXLAN's 50: " + eth0);
            nodes.nameServer(p.b(), 8080, "b");
            assertEquals("b", nodes.firstLineEventually(p.a(), at(SECRET, 3).inet(), 8080), "TCP from a to b over the encrypted network");
            assertEquals("b", nodes.firstLineEventually(p.a(), at(PLAIN, 3).inet(), 8080), "and over the plain one");

            ServerSocketChannel sink = listen(nodes, p.b());
            byte[] encrypted = captureWhileSending(nodes, p.a(), at(SECRET, 3).inet());
            byte[] plain = captureWhileSending(nodes, p.a(), at(PLAIN, 3).inet());
            assertTrue(contains(plain, MARKER), "the capture finds the text sent over the plain network (" + plain.length + " bytes)");
            assertTrue(encrypted.length > 20 * MARKER.length(), "the capture saw the encrypted traffic (" + encrypted.length + " bytes)");
            assertFalse(contains(encrypted, MARKER), "no plaintext of the encrypted network on the wire");

            sink.close();
            ServerSocketChannel drain = nodes.thread().in(p.b(), () -> ServerSocketChannel.open(StandardProtocolFamily.INET)
                    .bind(new InetSocketAddress(DRAIN_PORT)));
            nodes.closeAtEnd(drain);
            Thread.ofVirtual().start(() -> drainAll(drain));
            double secret = throughput(nodes, p.a(), at(SECRET, 3).inet()), clear = throughput(nodes, p.a(), at(PLAIN, 3).inet());
            System.out.printf("EncryptedOverlayTest throughput, one TCP stream, sandbox to sandbox across two hosts: "
                    + "encrypted %.0f Mbit/s, plain %.0f Mbit/s (%.2fx)%n", secret, clear, secret / clear);
        }
    }

    @Test
    void keysAreReplacedUnderALiveConnection() throws Exception {
        try (Nodes nodes = Nodes.create(2)) {
            Pair p = pair(nodes);
            ServerSocketChannel echo = listen(nodes, p.b());
            nodes.closeAtEnd(echo);
            try (SocketChannel open = connectEventually(nodes, p.a(), at(SECRET, 3).inet())) {
                open.socket().setSoTimeout((int) Duration.ofSeconds(20).toMillis());
                AtomicLong longestGap = new AtomicLong();
                AtomicBoolean stop = new AtomicBoolean();
                Thread talker = Thread.ofVirtual().start(() -> talk(open, stop, longestGap));
                Nodes.sleep(Duration.ofMillis(500));

                Key psk = Key.generatePreshared();
                TunnelKeys one = new TunnelKeys(p.keys()[0].privateKey(), psk), two = new TunnelKeys(p.keys()[1].privateKey(), psk);
                p.plane(1).ensureNetwork(SECRET, one);
                Nodes.sleep(Duration.ofMillis(500));
                p.plane(2).ensureNetwork(SECRET, two);
                Nodes.sleep(Duration.ofMillis(500));
                long pskGap = longestGap.getAndSet(0);

                TunnelKeys renewed = new TunnelKeys(Key.generatePrivate(), psk);
                p.plane(1).ensureNetwork(SECRET, renewed);
                p.plane(2).setTunnelPeers(SECRET.networkId(), List.of(new TunnelPeer(nodes.address(1), renewed.privateKey().publicKey()),
                        new TunnelPeer(nodes.address(2), two.privateKey().publicKey())));
                Nodes.sleep(Duration.ofSeconds(2));
                stop.set(true);
                talker.join();
                long keyGap = longestGap.get();
                System.out.printf("EncryptedOverlayTest key replacement under a live connection: longest gap %d ms (preshared key), "
                        + "%d ms (node key)%n", pskGap, keyGap);
                assertTrue(pskGap < 300, "a new preshared key keeps the sessions: longest gap " + pskGap + " ms");
                assertTrue(keyGap < 5_000, "a new node key costs at most a handshake: longest gap " + keyGap + " ms");
                assertEquals("after", roundTrip(open, "after"), "the connection open across both replacements still works");
            }
        }
    }

    @Test
    void aRestartedDataPlaneAdoptsTheTunnelAndRemovalLeavesNothing() throws Exception {
        try (Nodes nodes = Nodes.create(2)) {
            Pair p = pair(nodes);
            ServerSocketChannel echo = listen(nodes, p.b());
            nodes.closeAtEnd(echo);
            String tunnel = Tunnel.name(SECRET.vni(), Tunnel.suffix(nodes.stateDir(1).resolve("networks")));
            List<ProcessHandle> running = WireguardGo.processes(tunnel);
            assertEquals(1, running.size(), "one wireguard-go for the network on host 1");
            assertTrue(Nodes.links(nodes.host(1).netnsPath()).stream().noneMatch(l -> l.startsWith("wg")),
                    "the tunnel's device is in the network's namespace, not the host's");

            try (SocketChannel open = connectEventually(nodes, p.a(), at(SECRET, 3).inet())) {
                DataPlane after = nodes.start(1, List.of());
                after.ensureNetwork(SECRET, p.keys()[0]);
                after.setTunnelPeers(SECRET.networkId(), p.tunnelPeers());
                after.attach("a", SECRET, 0, at(SECRET, 2));
                assertEquals(0, after.processesStarted(), "a complete tunnel is adopted without a process");
                assertEquals(running, WireguardGo.processes(tunnel), "the same wireguard-go");
                assertEquals("kept", roundTrip(open, "kept"), "a connection open across the restart still works");

                after.sweep(Set.of(), Set.of());
                p.plane(2).sweep(Set.of(), Set.of());
            }
            for (int host = 1; host <= 2; host++) {
                String name = Tunnel.name(SECRET.vni(), Tunnel.suffix(nodes.stateDir(host).resolve("networks")));
                assertEquals(List.of(), WireguardGo.processes(name), "no wireguard-go left on host " + host);
                assertFalse(Files.exists(WireguardGo.uapi(name).socket()), "no socket file left on host " + host);
                assertFalse(Nodes.links(nodes.host(host).netnsPath()).contains(name), "no device left in host " + host);
                assertFalse(Nodes.run(Path.of("/proc/1/ns/net"), Duration.ofSeconds(5), "ip", "-o", "link").out().contains(name),
                        "nor in the machine's own namespace");
            }
        }
    }

    @Test
    void anEncryptedNetworkIsNeverMadeWithoutItsKeys() throws Exception {
        try (Nodes nodes = Nodes.create(1)) {
            DataPlane h1 = nodes.plane(1);
            assertThrows(IllegalStateException.class, () -> h1.ensureNetwork(SECRET));
            h1.ensureSandbox("a");
            assertThrows(IllegalStateException.class, () -> h1.attach("a", SECRET, 0, at(SECRET, 2)));
            assertThrows(IllegalArgumentException.class, () -> h1.ensureNetwork(PLAIN, new TunnelKeys(Key.generatePrivate(), Key.generatePreshared())));
            assertFalse(Files.exists(OverlayTest.networkNs(nodes, 1, SECRET)), "nothing was made for it");
        }
    }

    /** Sends {@link #MARKER} over TCP from {@code from} to {@code to} while the hosts' link is captured; returns the capture. */
    private static byte[] captureWhileSending(Nodes nodes, Path from, Inet4Address to) throws Exception {
        Path file = Files.createTempFile("shoal-capture", ".pcap");
        try {
            Path sw = Path.of("/run/netns", nodes.net.switchNamespace());
            String cable = nodes.net.prefix() + "-" + nodes.host(1).name();
            Process tcpdump = new ProcessBuilder("nsenter", "--net=" + sw, Commands.find("tcpdump").orElseThrow(),
                    "-i", cable, "--immediate-mode", "-U", "-w", file.toString()).redirectErrorStream(true).start();
            try {
                InputStream out = tcpdump.getInputStream();
                StringBuilder seen = new StringBuilder();
                for (int c; !seen.toString().contains("listening on") && (c = out.read()) >= 0; ) seen.append((char) c);
                try (SocketChannel ch = connectEventually(nodes, from, to)) {
                    ByteBuffer text = ByteBuffer.wrap((MARKER + "\n").repeat(200).getBytes(StandardCharsets.US_ASCII));
                    while (text.hasRemaining()) ch.write(text);
                }
                Nodes.sleep(Duration.ofMillis(500));
            } finally {
                tcpdump.destroy();
                tcpdump.waitFor();
            }
            return Files.readAllBytes(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Megabits per second of one TCP stream from {@code from} to the drain at {@code to} for about two seconds. */
    private static double throughput(Nodes nodes, Path from, Inet4Address to) throws IOException {
        try (SocketChannel ch = nodes.connect(from, to, DRAIN_PORT, Duration.ofSeconds(5))) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(256 * 1024);
            long bytes = 0, t0 = System.nanoTime(), end = t0 + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < end) {
                chunk.clear();
                bytes += ch.write(chunk);
            }
            return bytes * 8 / 1e6 / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** A server in {@code sandbox} on {@link #ECHO_PORT} of all its addresses: echoes lines, so also swallows what it is sent. */
    private static ServerSocketChannel listen(Nodes nodes, Path sandbox) throws IOException {
        ServerSocketChannel server = nodes.thread().in(sandbox, () -> ServerSocketChannel.open(StandardProtocolFamily.INET)
                .bind(new InetSocketAddress(ECHO_PORT)));
        Thread.ofVirtual().start(() -> AdoptionTest.echoAll(server));
        return server;
    }

    /** Reads and forgets whatever each connection sends. */
    private static void drainAll(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().start(() -> {
                    ByteBuffer b = ByteBuffer.allocateDirect(256 * 1024);
                    try (c) {
                        while (c.read(b.clear()) >= 0) {
                            // forget it
                        }
                    } catch (IOException e) {
                        // the client went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    private static SocketChannel connectEventually(Nodes nodes, Path from, Inet4Address to) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                return nodes.connect(from, to, ECHO_PORT, Duration.ofSeconds(2));
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw e;
                Nodes.sleep(Duration.ofMillis(100));
            }
        }
    }

    /** Round trips every 20 ms until stopped, keeping the longest time between two answers. */
    private static void talk(SocketChannel ch, AtomicBoolean stop, AtomicLong longestGap) {
        long last = System.nanoTime();
        try {
            for (int i = 0; !stop.get(); i++) {
                String line = Integer.toString(i);
                if (!line.equals(roundTrip(ch, line))) throw new IOException("echo lost " + line);
                long now = System.nanoTime();
                longestGap.accumulateAndGet((now - last) / 1_000_000, Math::max);
                last = now;
                Thread.sleep(20);
            }
        } catch (IOException | InterruptedException e) {
            System.out.println("EncryptedOverlayTest: the connection failed: " + e);
            longestGap.set(Long.MAX_VALUE);
        }
    }

    private static boolean contains(byte[] haystack, String needle) {
        return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
    }
}
