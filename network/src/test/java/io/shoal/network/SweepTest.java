package io.shoal.network;

import static io.shoal.network.OverlayTest.N1;
import static io.shoal.network.OverlayTest.N3;
import static io.shoal.network.OverlayTest.at;
import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** removeSandbox, removeNetwork and sweep leave nothing: no namespace, link, table, mount or file, in the node's namespace neither. */
class SweepTest {
    static final Duration FREED = Duration.ofSeconds(10);

    @BeforeAll
    static void requireRoot() throws IOException {
        Nodes.requireRoot(SweepTest.class);
    }

    @Test
    void sweepKeepsTheLiveAndLeavesNothingOfTheRest() throws Exception {
        try (Nodes nodes = Nodes.create(1)) {
            Path hostNs = nodes.host(1).netnsPath();
            List<String> hostLinks = Nodes.links(hostNs);
            DataPlane h1 = nodes.plane(1);
            Path a = h1.ensureSandbox("a");
            h1.attach("a", N1, 0, at(N1, 5));
            h1.attach("a", N3, 1, at(N3, 5));
            Path b = h1.ensureSandbox("b");
            h1.attach("b", N1, 0, at(N1, 6));
            h1.serveDns("b", DnsTest.names(DnsTest.SWARM));
            h1.setVips("b", List.of(new Vip(at(N1, 2).inet(), List.of(at(N1, 5).inet()))));
            h1.ensureSandbox("c");
            Path stateDir = nodes.stateDir(1);
            Set<Object> namespaces = inodes(stateDir);
            assertEquals(5, namespaces.size(), "three sandboxes and two networks pinned");

            h1.removeSandbox("c");
            assertFalse(Files.exists(stateDir.resolve("sandboxes/c")));

            Path n1 = OverlayTest.networkNs(nodes, 1, N1);
            h1.sweep(Set.of(N1.networkId()), Set.of("a"));
            assertEquals(Set.of("a"), names(stateDir.resolve("sandboxes")));
            assertEquals(Set.of(N1.networkId()), names(stateDir.resolve("networks")));
            eventually(FREED, () -> !links(n1).contains("ve0a000106"));
            eventually(FREED, () -> !links(a).contains("eth1"));
            assertTrue(Nodes.ping(a, N1.gateway()), "what is live still works");

            // The node's own parts: gateway bridge, ingress veth, node and ports tables.
            h1.attachGateway("a", 2);
            h1.setIngress(PublishedPortsTest.INGRESS, at(PublishedPortsTest.INGRESS, 2));
            h1.setPublishedPorts(List.of(new PublishedPort(PublishedPort.Protocol.TCP, 8080, PublishedPort.Mode.INGRESS,
                    List.of(new InetSocketAddress(at(PublishedPortsTest.INGRESS, 11).inet(), 80)))));
            assertTrue(Nodes.links(hostNs).containsAll(List.of(GatewayBridge.BRIDGE, Ingress.LINK)), "the node's parts are there");

            // Swept by a restarted data plane that was told of nothing: what it finds pinned is enough.
            DataPlane restarted = nodes.start(1, List.of());
            restarted.sweep(Set.of(), Set.of());
            assertEquals(Set.of(), names(stateDir.resolve("sandboxes")));
            assertEquals(Set.of(), names(stateDir.resolve("networks")));
            assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(stateDir.toString()), "no mount left");
            assertEquals(Set.of(), heldByProcesses(namespaces), "no process in any of the namespaces");
            eventually(FREED, () -> links(hostNs).equals(hostLinks)); // the sandboxes' gateway ends go with their namespaces
            assertEquals("", Nodes.run(hostNs, Duration.ofSeconds(5), "nft", "list", "tables").out().strip(), "no nftables table on the host");

            // The VXLAN device went at once, not whenever the kernel frees the namespace: its VNI is free again.
            restarted.ensureNetwork(N1);
            restarted.removeNetwork(N1.networkId());
            assertEquals(Set.of(), names(stateDir.resolve("networks")));
        }
    }

    private static List<String> links(Path netns) {
        try {
            return Nodes.links(netns);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> names(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return Set.of();
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toSet());
        }
    }

    /** The namespace inodes pinned under {@code stateDir}. */
    private static Set<Object> inodes(Path stateDir) throws IOException {
        Set<Object> inodes = new HashSet<>();
        try (Stream<Path> files = Files.walk(stateDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) inodes.add(Files.getAttribute(f, "unix:ino"));
        }
        return inodes;
    }

    /** Which of {@code inodes} a process is in. */
    private static Set<Object> heldByProcesses(Set<Object> inodes) throws IOException {
        Set<Object> held = new HashSet<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    Object ino = Files.getAttribute(p.resolve("ns/net"), "unix:ino");
                    if (inodes.contains(ino)) held.add(ino);
                } catch (IOException e) {
                    // gone
                }
            }
        }
        return held;
    }

}
