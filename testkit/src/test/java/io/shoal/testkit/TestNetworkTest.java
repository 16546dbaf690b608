package io.shoal.testkit;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.testkit.TestNetwork.Host;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Hosts in network namespaces: reachability, link and partition faults, cleanup and the sweep. */
class TestNetworkTest {
    static final Duration SHORT = Duration.ofMillis(500);
    static final Duration HEAL = Duration.ofSeconds(10);

    @BeforeAll
    static void requireRootAndIp() throws IOException {
        Optional<String> reason = TestNetwork.unavailableReason();
        reason.ifPresent(r -> System.out.println("TestNetworkTest skipped: " + r));
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
        TestNetwork.Swept swept = TestNetwork.sweepLeftovers();
        if (!swept.isEmpty()) System.out.println("swept leftovers of killed runs: " + swept);
    }

    @Test
    void hostsReachEachOtherAndNothingOutside() throws Exception {
        try (TestNetwork net = TestNetwork.create(3)) {
            System.out.println(net + " set up in " + net.setupTime().toMillis() + " ms");
            for (Host from : net.hosts()) {
                for (Host to : net.hosts()) {
                    assertTrue(from.ping(to.address()), from + " pings " + to);
                }
                // No packet leaves: with no route out of the subnet the kernel refuses at once.
                for (String external : machineAddresses()) {
                    assertFalse(from.ping(external), from + " must not reach the machine's " + external);
                }
                assertTrue(from.exec(SHORT.multipliedBy(10), "/usr/sbin/ip", "route", "get", "192.0.2.77").exit() != 0,
                        from + " has a route out of its subnet");
            }
            assertEquals(net.host(2), net.hostAt(net.host(2).address()).orElseThrow());
            assertEquals(net.host(3).address(), net.address(net.host(3)));
        }
    }

    @Test
    void linkDownCutsTcpAndLinkUpRestoresIt() throws Exception {
        try (TestNetwork net = TestNetwork.create(3)) {
            Host h1 = net.host(1), h2 = net.host(2);
            ServerSocket server = h1.listen(7000);
            Thread acceptor = Thread.ofVirtual().start(() -> acceptAll(server));
            assertTrue(h2.canConnect(h1.address(), 7000, SHORT), "h2 reaches h1:7000");
            assertFalse(h2.canConnect(h1.address(), 7001, SHORT), "nothing listens on h1:7001");

            net.linkDown(h1);
            assertFalse(h2.canConnect(h1.address(), 7000, SHORT), "h1:7000 with h1's link down");
            assertTrue(h2.ping(net.host(3).address()), "h2 and h3 still reach each other");

            net.linkUp(h1);
            eventually(HEAL, () -> h2.canConnect(h1.address(), 7000, SHORT));
            server.close();
            acceptor.join();
        }
    }

    @Test
    void partitionSplitsTheBridgeAndHealJoinsIt() throws Exception {
        try (TestNetwork net = TestNetwork.create(3)) {
            Host h1 = net.host(1), h2 = net.host(2), h3 = net.host(3);
            net.partition(Set.of(h1));
            assertFalse(h1.ping(h2.address()));
            assertFalse(h3.ping(h1.address()));
            assertTrue(h2.ping(h3.address()));

            net.partition(Set.of(h1, h3), Set.of(h2));
            assertTrue(h1.ping(h3.address()));
            assertFalse(h2.ping(h3.address()));
            assertThrows(IllegalArgumentException.class, () -> net.partition(Set.of(h1), Set.of(h1, h2)));

            net.linkDown(h1);
            net.heal();
            assertFalse(h1.ping(h2.address()), "a healed partition does not plug a cable back in");
            net.linkUp(h1);
            eventually(HEAL, () -> ping(h1, h2.address()) && ping(h2, h3.address()) && ping(h3, h1.address()));
        }
    }

    @Test
    void processesInHostsAreReachableAndStoppedByClose() throws Exception {
        Process nc;
        String prefix;
        try (TestNetwork net = TestNetwork.create(2)) {
            prefix = net.prefix();
            Host h1 = net.host(1), h2 = net.host(2);
            nc = h1.start(null, "busybox", "nc", "-l", "-p", "7100");
            // nsenter execs: the pid we hold is the command's own, so signals reach it.
            eventually(HEAL, () -> nc.info().command().orElse("").endsWith("busybox"));
            eventually(HEAL, () -> h2.canConnect(h1.address(), 7100, SHORT));
            // A command running under nsenter sees only the host's own interfaces.
            String links = h2.exec(HEAL, "/usr/sbin/ip", "-o", "addr", "show", "eth0").out();
            assertTrue(links.contains(h2.address() + "/24"), links);
        }
        assertFalse(nc.isAlive(), "close() stops processes started in hosts");
        assertNothingLeft(prefix);
    }

    @Test
    void closeRemovesEverythingEvenWhenSomethingStillRuns() throws Exception {
        TestNetwork net = TestNetwork.create(3);
        String prefix = net.prefix();
        assertTrue(TestNetwork.namespaces().contains(net.switchNamespace()));
        assertTrue(TestNetwork.links("/usr/sbin/ip", net.switchNamespace()).contains(prefix + "-h3"));
        // Started behind the harness's back: close() still finds it through the namespace.
        Process stray = new ProcessBuilder("nsenter", "--net=" + net.host(2).netnsPath(), "sleep", "600").start();
        try {
            eventually(HEAL, () -> stray.info().command().orElse("").endsWith("sleep")); // nsenter has entered and exec'd
            net.close();
            assertTrue(stray.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the stray process was stopped");
            assertNothingLeft(prefix);
            net.close(); // twice is fine
        } finally {
            stray.destroyForcibly();
        }
    }

    @Test
    void sweepRemovesWhatAKilledRunLeftAndKeepsLiveNetworks() throws Exception {
        String dead = TestNetwork.MARKER + "zz" + (System.nanoTime() % 900 + 100);
        String ip = "/usr/sbin/ip";
        Process orphan = null;
        try (TestNetwork live = TestNetwork.create(2)) {
            // What a run killed half-way leaves: namespaces, a process in one, a link, an owner file of a gone pid.
            Exec.ok(List.of(ip, "-batch", "-"), "netns add " + dead + "-sw\nnetns add " + dead + "-h1\nnetns add " + dead + "-h2\n");
            Exec.ok(ip, "link", "add", dead + "-x", "type", "veth", "peer", "name", dead + "-y");
            orphan = new ProcessBuilder("nsenter", "--net=/run/netns/" + dead + "-h1", "sleep", "600").start();
            Files.createDirectories(Leftovers.OWNERS);
            Files.writeString(Leftovers.OWNERS.resolve(dead), "999999999 1\n");

            TestNetwork.Swept swept = TestNetwork.sweepLeftovers();
            System.out.println("swept " + swept);
            assertTrue(swept.namespaces().containsAll(List.of(dead + "-sw", dead + "-h1", dead + "-h2")), swept.toString());
            assertTrue(swept.links().containsAll(List.of(dead + "-x", dead + "-y")), swept.toString());
            assertTrue(swept.ownerFiles().contains(dead), swept.toString());
            assertTrue(orphan.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the orphan was killed");
            assertNothingLeft(dead);

            assertTrue(swept.namespaces().stream().noneMatch(n -> n.startsWith(live.prefix())), "a live network is kept");
            assertTrue(live.host(1).ping(live.host(2).address()), "the live network still works");
        } finally {
            if (orphan != null) orphan.destroyForcibly();
        }
    }

    @Test
    void twentyHostsAllWorkAndAllGoAway() throws Exception {
        String prefix;
        try (TestNetwork net = TestNetwork.create(20)) {
            prefix = net.prefix();
            Host first = net.host(1), last = net.host(20);
            for (Host h : net.hosts()) {
                assertTrue(first.ping(h.address()), first + " pings " + h);
                assertTrue(h.ping(last.address()), h + " pings " + last);
            }
        }
        assertNothingLeft(prefix);
    }

    static void assertNothingLeft(String prefix) throws IOException {
        String ip = "/usr/sbin/ip";
        List<String> ns = TestNetwork.namespaces().stream().filter(n -> n.startsWith(prefix)).toList();
        List<String> links = TestNetwork.links(ip, null).stream().filter(n -> n.startsWith(prefix)).toList();
        assertTrue(ns.isEmpty(), "namespaces left: " + ns);
        assertTrue(links.isEmpty(), "links left: " + links);
        assertFalse(Files.exists(Path.of("/run/netns", prefix + "-sw")));
        assertFalse(Files.exists(Leftovers.OWNERS.resolve(prefix)), "owner file left");
    }

    /** The machine's own IPv4 addresses, except loopback: none may be reachable from a host. */
    static List<String> machineAddresses() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Exec.ok("/usr/sbin/ip", "-4", "-o", "addr", "show").lines().toList()) {
            String addr = line.trim().split("\\s+")[3].split("/")[0];
            if (!addr.startsWith("127.")) out.add(addr);
        }
        return out;
    }

    static boolean ping(Host from, String to) {
        try {
            return from.ping(to);
        } catch (IOException e) {
            return false;
        }
    }

    static void acceptAll(ServerSocket server) {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                s.getOutputStream().write('.');
            } catch (IOException e) {
                return;
            }
        }
    }
}
