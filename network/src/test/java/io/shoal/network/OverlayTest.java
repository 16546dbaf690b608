package io.shoal.network;

import static io.shoal.common.Ipv4Prefix.inet;
import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sandboxes on different hosts reach each other over VXLAN through static peers, and only on their own network. */
class OverlayTest {
    static final OverlaySpec N1 = spec("net1aaaaaaaaaaaaaaaaaaaaa", 4097, "10.0.1.0/24");
    /** The same subnet as N1 on purpose: only the VNI keeps the two apart. */
    static final OverlaySpec N2 = spec("net2bbbbbbbbbbbbbbbbbbbbb", 4098, "10.0.1.0/24");
    static final OverlaySpec N3 = spec("net3ccccccccccccccccccccc", 4099, "10.0.3.0/24");

    @BeforeAll
    static void requireRoot() throws IOException {
        Nodes.requireRoot(OverlayTest.class);
    }

    static OverlaySpec spec(String id, int vni, String subnet) {
        Ipv4Prefix s = Ipv4Prefix.parse(subnet);
        return new OverlaySpec(id, vni, s, Ipv4Prefix.inet(s.first() + 1), 0, DataPlane.DEFAULT_VXLAN_PORT);
    }

    /** The address {@code host} of the network's subnet, as an endpoint holds it. */
    static Ipv4Prefix at(OverlaySpec n, int host) {
        return new Ipv4Prefix(n.subnet().first() + host, n.subnet().bits());
    }

    @Test
    void sandboxesOnTwoHostsTalkOnlyThroughTheirPeers() throws Exception {
        try (Nodes nodes = Nodes.create(2)) {
            DataPlane h1 = nodes.plane(1), h2 = nodes.plane(2);
            Path a = h1.ensureSandbox("a");
            Path b = h2.ensureSandbox("b");
            h1.attach("a", N1, 0, at(N1, 5));
            h2.attach("b", N1, 0, at(N1, 6));

            assertTrue(Nodes.ping(a, N1.gateway()), "a reaches its bridge's gateway address");
            String eth0 = Nodes.run(a, Duration.ofSeconds(5), "ip", "-o", "link", "show", "eth0").out();
            assertTrue(eth0.contains(" mtu 1450 ") && eth0.contains("link/ether " + Mac.of(at(N1, 5).inet())),
                    "the underlay's MTU less VXLAN's 50 bytes, the MAC derived from the address: " + eth0);
            String inet6 = Nodes.run(a, Duration.ofSeconds(5), "ip", "-o", "-6", "addr", "show").out();
            assertTrue(inet6.isBlank(), "IPv6 is off in a sandbox, as in a Docker container on an IPv4 network: " + inet6);
            assertTrue(Nodes.run(networkNs(nodes, 1, N1), Duration.ofSeconds(5), "ip", "-o", "-6", "addr", "show").out().isBlank(),
                    "and in the network's namespace");
            assertFalse(Nodes.ping(a, at(N1, 6).inet()), "without peers nothing crosses: no learning, no flooding");

            h1.setPeers(N1.networkId(), List.of(new Peer(at(N1, 6).inet(), nodes.address(2))));
            h2.setPeers(N1.networkId(), List.of(new Peer(at(N1, 5).inet(), nodes.address(1))));
            assertTrue(Nodes.reaches(a, at(N1, 6).inet()), "a pings b across hosts");
            nodes.nameServer(b, 8080, "b");
            assertEquals("b", nodes.firstLineEventually(a, at(N1, 6).inet(), 8080), "TCP from a to b");

            String fdb = Nodes.run(networkNs(nodes, 1, N1), Duration.ofSeconds(5), "bridge", "fdb", "show", "dev", Overlay.vxlanName(N1)).out();
            assertFalse(fdb.contains("00:00:00:00:00:00"), "no default destination: the device never floods\n" + fdb);
            String vxlan = Nodes.run(networkNs(nodes, 1, N1), Duration.ofSeconds(5), "ip", "-d", "link", "show", Overlay.vxlanName(N1)).out();
            assertTrue(vxlan.contains("vxlan id " + N1.vni() + " local " + nodes.address(1).getHostAddress()) && vxlan.contains("dstport 4789")
                    && vxlan.contains("nolearning") && vxlan.contains("proxy") && vxlan.contains("master " + Overlay.BRIDGE)
                    && vxlan.contains(",UP"), "the device as `ip link add ... type vxlan` made it: " + vxlan);
            assertTrue(Nodes.links(nodes.host(1).netnsPath()).stream().noneMatch(l -> l.startsWith("vx-")),
                    "the VXLAN device is in the network's namespace, not the host's");

            h1.setPeers(N1.networkId(), List.of());
            eventually(Duration.ofSeconds(10), () -> {
                try {
                    return !Nodes.ping(a, at(N1, 6).inet());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
        }
    }

    @Test
    void networksAreIsolatedEvenOnOneSubnet() throws Exception {
        try (Nodes nodes = Nodes.create(2)) {
            DataPlane h1 = nodes.plane(1), h2 = nodes.plane(2);
            Path a = h1.ensureSandbox("a"), d = h1.ensureSandbox("d"), e = h1.ensureSandbox("e");
            Path f = h2.ensureSandbox("f");
            h1.attach("a", N1, 0, at(N1, 5));
            h1.attach("d", N2, 0, at(N2, 8));
            h1.attach("e", N1, 0, at(N1, 9));
            h1.attach("e", N3, 1, at(N3, 9));
            h2.ensureSandbox("b");
            h2.ensureSandbox("c");
            h2.attach("b", N1, 0, at(N1, 6));
            h2.attach("c", N2, 0, at(N2, 7));
            h2.attach("f", N3, 0, at(N3, 6));
            var one = nodes.address(1);
            var two = nodes.address(2);
            h1.setPeers(N1.networkId(), List.of(new Peer(at(N1, 6).inet(), two)));
            h1.setPeers(N2.networkId(), List.of(new Peer(at(N2, 7).inet(), two)));
            h1.setPeers(N3.networkId(), List.of(new Peer(at(N3, 6).inet(), two)));
            h2.setPeers(N1.networkId(), List.of(new Peer(at(N1, 5).inet(), one), new Peer(at(N1, 9).inet(), one)));
            h2.setPeers(N2.networkId(), List.of(new Peer(at(N2, 8).inet(), one)));
            h2.setPeers(N3.networkId(), List.of(new Peer(at(N3, 9).inet(), one)));

            assertTrue(Nodes.ping(a, at(N1, 6).inet()), "N1: a reaches b");
            assertTrue(Nodes.ping(d, at(N2, 7).inet()), "N2: d reaches c");
            assertFalse(Nodes.ping(a, at(N2, 7).inet()), "N1's a must not reach N2's c");
            assertFalse(Nodes.ping(d, at(N1, 6).inet()), "N2's d must not reach N1's b");
            assertFalse(Nodes.ping(a, at(N2, 8).inet()), "nor N2's d on the same host");
            assertTrue(Nodes.ping(e, at(N1, 6).inet()), "e on N1 (eth0) reaches b");
            assertTrue(Nodes.ping(e, at(N3, 6).inet()), "e on N3 (eth1) reaches f");
            assertFalse(Nodes.ping(f, at(N1, 6).inet()), "f, only on N3, has no way to N1");
        }
    }

    static Path networkNs(Nodes nodes, int host, OverlaySpec n) {
        return nodes.stateDir(host).resolve("networks").resolve(n.networkId());
    }
}
