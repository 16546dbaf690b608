package io.shoal.network;

import static io.shoal.network.OverlayTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The routing mesh and host-mode ports, seen from an outside host that runs no data plane: a port
 * published on a node reaches the tasks on every node over the ingress network, spread over all
 * of them, TCP and UDP; a port without tasks refuses at once; a host-mode port reaches the node's
 * own task with the client's address; the backends swap atomically. The nodes filter reverse
 * paths strictly.
 */
class PublishedPortsTest {
    static final OverlaySpec INGRESS = OverlayTest.spec("ingress0aaaaaaaaaaaaaaaaa", 4096, "10.0.0.0/24");
    static final int TARGET = 80, MESH = 8080, EMPTY = 8081, HOST = 9090;
    static final int OUTSIDE = 3;

    @BeforeAll
    static void requireRoot() throws IOException {
        Nodes.requireRoot(PublishedPortsTest.class);
    }

    @Test
    void publishedPortsReachTasksOnEveryNodeAndNothingElse() throws Exception {
        try (Nodes nodes = Nodes.create(3)) {
            Path outside = nodes.host(OUTSIDE).netnsPath();
            List<Peer> everyone = new ArrayList<>();
            for (int h = 1; h <= 2; h++) {
                Nodes.run(nodes.host(h).netnsPath(), Duration.ofSeconds(5), Nodes.BUSYBOX, "sh", "-c",
                        "echo 1 > /proc/sys/net/ipv4/conf/all/rp_filter");
                nodes.plane(h).setIngress(INGRESS, at(INGRESS, 1 + h));
                everyone.add(new Peer(at(INGRESS, 1 + h).inet(), nodes.address(h)));
            }
            // Task a on host 1, b and c on host 2, each on ingress and the gateway bridge.
            List<InetSocketAddress> mesh = new ArrayList<>();
            Ipv4Prefix aOnGateway = null;
            String[] names = {"a", "b", "c"};
            for (int i = 0; i < 3; i++) {
                DataPlane plane = nodes.plane(i == 0 ? 1 : 2);
                Ipv4Prefix address = at(INGRESS, 11 + i);
                Path sandbox = plane.ensureSandbox(names[i]);
                plane.attach(names[i], INGRESS, 0, address);
                Ipv4Prefix g = plane.attachGateway(names[i], 1);
                if (i == 0) aOnGateway = g;
                nodes.whoServer(sandbox, TARGET, names[i]);
                mesh.add(new InetSocketAddress(address.inet(), TARGET));
                everyone.add(new Peer(address.inet(), nodes.address(i == 0 ? 1 : 2)));
            }
            List<PublishedPort> ports = new ArrayList<>(List.of(
                    new PublishedPort(PublishedPort.Protocol.TCP, MESH, PublishedPort.Mode.INGRESS, mesh),
                    new PublishedPort(PublishedPort.Protocol.UDP, MESH, PublishedPort.Mode.INGRESS, mesh),
                    new PublishedPort(PublishedPort.Protocol.TCP, EMPTY, PublishedPort.Mode.INGRESS, List.of()),
                    new PublishedPort(PublishedPort.Protocol.UDP, EMPTY, PublishedPort.Mode.INGRESS, List.of())));
            for (int h = 1; h <= 2; h++) {
                nodes.plane(h).setPeers(INGRESS.networkId(), everyone);
                nodes.plane(h).setPublishedPorts(ports);
            }
            Inet4Address h1 = nodes.address(1), h2 = nodes.address(2);
            String h1Ingress = at(INGRESS, 2).inet().getHostAddress();

            nodes.firstLineEventually(outside, h1, MESH);
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 9; i++) {
                String[] who = nodes.firstLine(outside, h1, MESH).split(" ");
                seen.add(who[0]);
                assertEquals(h1Ingress, who[1], "masqueraded to host 1's ingress address, so the reply comes back through it");
            }
            assertEquals(Set.of("a", "b", "c"), seen, "host 1's port reaches every task, on host 2 too");
            assertTrue(Set.of("a", "b", "c").contains(nodes.firstLine(outside, h2, MESH).split(" ")[0]), "host 2's port answers too");
            assertTrue(Set.of("a", "b", "c").contains(nodes.firstLine(nodes.host(1).netnsPath(), h1, MESH).split(" ")[0]),
                    "a client on the node itself reaches the node's own address");

            Set<String> udp = new HashSet<>();
            for (int i = 0; i < 6; i++) udp.add(nodes.udpAnswer(outside, h1, MESH).split(" ")[0]);
            assertEquals(Set.of("a", "b", "c"), udp, "UDP round trips through the mesh reach every task");

            long t0 = System.nanoTime();
            assertThrows(ConnectException.class, () -> nodes.firstLine(outside, h1, EMPTY), "a port without tasks refuses");
            long refusedMillis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(refusedMillis < 500, "refused at once, not after a timeout: " + refusedMillis + " ms");
            assertThrows(PortUnreachableException.class, () -> nodes.udpAnswer(outside, h1, EMPTY), "UDP to it is refused too");

            // Host mode: host 1 only, to its own task a, which sees the client's own address.
            ports.add(new PublishedPort(PublishedPort.Protocol.TCP, HOST, PublishedPort.Mode.HOST,
                    List.of(new InetSocketAddress(aOnGateway.inet(), TARGET))));
            nodes.plane(1).setPublishedPorts(ports);
            assertEquals("a " + nodes.host(OUTSIDE).address(), nodes.firstLine(outside, h1, HOST), "host mode keeps the client's address");
            assertThrows(ConnectException.class, () -> nodes.firstLine(outside, h2, HOST), "not published on host 2");

            // Backends swapped while connections keep coming: every connection reaches some backend.
            nodes.connectWhileSwapping(outside, h1, MESH, Nodes.SWAP_PAUSE, 50, round -> {
                List<PublishedPort> swapped = new ArrayList<>(ports);
                swapped.set(0, new PublishedPort(PublishedPort.Protocol.TCP, MESH, PublishedPort.Mode.INGRESS,
                        round % 2 == 0 ? mesh.subList(0, 2) : mesh.subList(2, 3)));
                nodes.plane(1).setPublishedPorts(swapped);
            });

            nodes.plane(1).setPublishedPorts(List.of());
            String tables = Nodes.run(nodes.host(1).netnsPath(), Duration.ofSeconds(5), "nft", "list", "tables").out();
            assertEquals("table ip " + NodeTable.TABLE, tables.strip(), "no ports, no ports table");
        }
    }
}
