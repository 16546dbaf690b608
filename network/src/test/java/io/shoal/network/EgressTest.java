package io.shoal.network;

import static io.shoal.network.OverlayTest.N1;
import static io.shoal.network.OverlayTest.at;
import static io.shoal.network.PublishedPortsTest.INGRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway bridge: a sandbox on it reaches a server on an outside host as the node's address,
 * one without it (internal networks only) has no way out, and nothing reaches a container through
 * the node but its published ports: not the outside host, even routing the gateway and ingress
 * subnets through the node, and not another sandbox on the node over the bridge.
 */
class EgressTest {
    static final int SERVER = 7000, TARGET = 80, PUBLISHED = 9090;
    static final Duration BLOCKED = Duration.ofSeconds(1);

    @BeforeAll
    static void requireRoot() throws IOException {
        Nodes.requireRoot(EgressTest.class);
    }

    @Test
    void sandboxesGoOutMasqueradedAndNothingComesInButPublishedPorts() throws Exception {
        try (Nodes nodes = Nodes.create(2)) {
            Path outside = nodes.host(2).netnsPath();
            String node = nodes.host(1).address();
            DataPlane h1 = nodes.plane(1);
            nodes.whoServer(outside, SERVER, "out");

            Path e = h1.ensureSandbox("e");
            h1.attach("e", INGRESS, 0, at(INGRESS, 11));
            Ipv4Prefix eOnGateway = h1.attachGateway("e", 1);
            assertTrue(DataPlane.DEFAULT_GATEWAY_SUBNET.contains(eOnGateway.address()), "an address on 172.18.0.0/16: " + eOnGateway);
            assertEquals(eOnGateway, h1.attachGateway("e", 1), "attached again: the same address");
            assertEquals("out " + node, nodes.firstLineEventually(e, nodes.address(2), SERVER), "egress, masqueraded to the node's address");

            Path internal = h1.ensureSandbox("internal");
            h1.attach("internal", N1, 0, at(N1, 5));
            assertThrows(IOException.class, () -> nodes.firstLine(internal, nodes.address(2), SERVER), "no gateway interface, no way out");

            Path f = h1.ensureSandbox("f");
            Ipv4Prefix fOnGateway = h1.attachGateway("f", 0);
            assertFalse(fOnGateway.equals(eOnGateway), "addresses are unique on the node");
            nodes.whoServer(e, TARGET, "e");
            nodes.whoServer(f, TARGET, "f");
            // Polled: the port forwards once the kernel's link watch has seen the veth's carrier, which a loaded machine delays.
            assertTrue(Nodes.reaches(f, Ipv4Prefix.inet(DataPlane.DEFAULT_GATEWAY_SUBNET.first() + 1)), "f reaches the bridge");
            assertFalse(Nodes.ping(f, eOnGateway.inet()), "but not e over it: the ports are isolated (and br_netfilter passes bridged frames through the forward drop)");
            assertFalse(canConnect(nodes, f, eOnGateway, TARGET), "nor e's port");

            h1.setIngress(INGRESS, at(INGRESS, 2));
            h1.setPublishedPorts(List.of(new PublishedPort(PublishedPort.Protocol.TCP, PUBLISHED, PublishedPort.Mode.HOST,
                    List.of(new InetSocketAddress(eOnGateway.inet(), TARGET)))));
            for (Ipv4Prefix subnet : List.of(DataPlane.DEFAULT_GATEWAY_SUBNET, INGRESS.subnet())) {
                Nodes.run(outside, Duration.ofSeconds(5), "ip", "route", "add", subnet.masked().toString(), "via", node);
            }
            assertTrue(Nodes.ping(outside, at(INGRESS, 2).inet()), "the outside host routes the ingress subnet through the node");
            assertEquals("e " + nodes.host(2).address(), nodes.firstLine(outside, nodes.address(1), PUBLISHED), "the published port answers");
            assertFalse(canConnect(nodes, outside, eOnGateway, TARGET), "e's unpublished port is closed from outside on the gateway subnet");
            assertFalse(canConnect(nodes, outside, at(INGRESS, 11), TARGET), "and on the ingress network");
            assertEquals("f " + Ipv4Prefix.format(DataPlane.DEFAULT_GATEWAY_SUBNET.first() + 1),
                    nodes.firstLine(nodes.host(1).netnsPath(), fOnGateway.inet(), TARGET), "the node itself reaches its containers");
        }
    }

    @Test
    void aGatewaySubnetTheNodeRoutesElsewhereIsRefused() throws Exception {
        try (Nodes nodes = Nodes.create(1)) {
            Ipv4Prefix taken = new Ipv4Prefix(Ipv4Prefix.parse(nodes.net.subnet()).first(), 16);
            DataPlane h1 = DataPlane.inNamespace(nodes.host(1).netnsPath(), nodes.stateDir(1), nodes.address(1), List.of(), taken);
            try {
                IOException refused = assertThrows(IOException.class, () -> h1.attachGateway("s", 0));
                assertTrue(refused.getMessage().contains("overlaps " + nodes.net.subnet()), refused.getMessage());
                assertFalse(Nodes.links(nodes.host(1).netnsPath()).contains(GatewayBridge.BRIDGE), "no bridge made");
            } finally {
                h1.sweep(Set.of(), Set.of());
                h1.close();
            }
        }
    }

    private static boolean canConnect(Nodes nodes, Path from, Ipv4Prefix to, int port) {
        try {
            nodes.connect(from, to.inet(), port, BLOCKED).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
