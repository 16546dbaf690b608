package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import static io.shoal.network.OverlayTest.N1;
import static io.shoal.network.OverlayTest.at;
import static io.shoal.network.PublishedPortsTest.INGRESS;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What each operation costs on one host: its time, the processes it starts and the netlink
 * requests it sends, printed as a table (the figures for the design note), and the counts held to
 * what the design promises.
 */
class CostTest {
    static final int SANDBOXES = 20;

    @BeforeAll
    static void requireRoot() throws IOException {
        Nodes.requireRoot(CostTest.class);
    }

    /** One operation's cost: mean milliseconds, processes and netlink requests per call. */
    record Cost(String what, int calls, double millis, double processes, double requests) {
        @Override
        public String toString() {
            return "%-50s %4d x %8.2f ms %5.1f processes %6.1f netlink requests".formatted(what, calls, millis, processes, requests);
        }
    }

    @FunctionalInterface
    interface Op {
        void run(int i) throws Exception;
    }

    /** What an nftables transaction costs in processes: none through libnftables, one {@code nft} without it. */
    static final int NFT = Nftables.library().isPresent() ? 0 : 1;

    private final List<Cost> costs = new ArrayList<>();

    private Cost measure(DataPlane plane, String what, int calls, Op op) throws Exception {
        long procs = plane.processesStarted(), requests = Netlink.applied();
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) op.run(i);
        Cost c = new Cost(what, calls, (System.nanoTime() - t0) / 1e6 / calls, (plane.processesStarted() - procs) / (double) calls,
                (Netlink.applied() - requests) / (double) calls);
        costs.add(c);
        return c;
    }

    @Test
    void eachOperationStartsAtMostTheProcessesItMust() throws Exception {
        try (Nodes nodes = Nodes.create(1)) {
            DataPlane h1 = nodes.plane(1);
            List<Inet4Address> backends = List.of(at(N1, 200).inet(), at(N1, 201).inet(), at(N1, 202).inet());
            List<Vip> vips = List.of(new Vip(at(N1, 2).inet(), backends), new Vip(at(N1, 3).inet(), backends),
                    new Vip(at(N1, 4).inet(), backends));
            try {
                assertCost(0, 3, measure(h1, "ensureNetwork, new", 1, i -> h1.ensureNetwork(N1)),
                        "the VXLAN device, the bridge, the device made the bridge's port");
                assertEquals(0, measure(h1, "ensureNetwork, known", 100, i -> h1.ensureNetwork(N1)).processes());
                assertEquals(0, measure(h1, "ensureSandbox, new", SANDBOXES, i -> h1.ensureSandbox("s" + i)).processes());
                Cost attach = measure(h1, "attach, new", SANDBOXES, i -> h1.attach("s" + i, N1, 0, at(N1, 10 + i)));
                assertEquals(0, attach.processes());
                assertEquals(2, attach.requests(), "the veth made, its bridge end up");
                assertEquals(0, measure(h1, "ensureSandbox + attach, known", SANDBOXES, i -> {
                    h1.ensureSandbox("s" + i);
                    h1.attach("s" + i, N1, 0, at(N1, 10 + i));
                }).processes());
                assertEquals(NFT, measure(h1, "setVips, 3 VIPs x 3 backends", SANDBOXES, i -> h1.setVips("s" + i, vips)).processes());
                assertEquals(0, measure(h1, "setVips, unchanged", SANDBOXES, i -> h1.setVips("s" + i, vips)).processes());
                List<Vip> oneChanged = List.of(new Vip(at(N1, 2).inet(), backends.subList(0, 2)), vips.get(1), vips.get(2));
                assertEquals(NFT, measure(h1, "setVips, one VIP's backends changed", SANDBOXES, i -> h1.setVips("s" + i, oneChanged)).processes());
                assertEquals(NFT, measure(h1, "setVips, one VIP's backends changed back", SANDBOXES, i -> h1.setVips("s" + i, vips)).processes());
                measure(h1, "serveDns, first (binds 127.0.0.11:53)", SANDBOXES, i -> h1.serveDns("s" + i, DnsTest.names(DnsTest.SWARM)));
                assertCost(0, 2, measure(h1, "setPeers, 1 peer", 1, i -> h1.setPeers(N1.networkId(), peers(nodes, 1))),
                        "an FDB and a neighbour entry");
                assertCost(0, 2 * 49, measure(h1, "setPeers, 50 peers", 1, i -> h1.setPeers(N1.networkId(), peers(nodes, 50))),
                        "the 49 new peers' entries only");
                assertCost(0, 0, measure(h1, "setPeers, 50 peers unchanged", 10, i -> h1.setPeers(N1.networkId(), peers(nodes, 50))),
                        "nothing");
                List<Peer> moved = new ArrayList<>(peers(nodes, 50).subList(2, 50));
                moved.add(new Peer(at(N1, 151).inet(), node(nodes, 109)));
                assertCost(0, 3, measure(h1, "setPeers, 50 peers, one gone, one moved", 1, i -> h1.setPeers(N1.networkId(), moved)),
                        "the gone one's two entries deleted, the moved one's FDB entry replaced");

                assertEquals(1 + NFT, measure(h1, "attachGateway, first (bridge, node table)", 1, i -> h1.attachGateway("s0", 1)).processes());
                assertCost(0, 2, measure(h1, "attachGateway, new", SANDBOXES - 1, i -> h1.attachGateway("s" + (i + 1), 1)),
                        "the veth made, its bridge end isolated and up");
                assertEquals(0, measure(h1, "attachGateway, known", SANDBOXES, i -> h1.attachGateway("s" + i, 1)).processes());
                assertEquals(0, measure(h1, "setIngress, new (network, veth)", 1, i -> h1.setIngress(INGRESS, at(INGRESS, 2))).processes());
                assertEquals(0, measure(h1, "setIngress, known", 100, i -> h1.setIngress(INGRESS, at(INGRESS, 2))).processes());
                List<PublishedPort> ports = ports(3), changed = ports(4);
                assertEquals(NFT, measure(h1, "setPublishedPorts, 3 or 4 ports x 3 backends", 10,
                        i -> h1.setPublishedPorts(i % 2 == 0 ? ports : changed)).processes());
                assertEquals(0, measure(h1, "setPublishedPorts, unchanged", 10, i -> h1.setPublishedPorts(changed)).processes());

                DataPlane restarted = nodes.start(1, List.of());
                assertEquals(0, measure(restarted, "after a restart: ensureNetwork, adopted", 1, i -> restarted.ensureNetwork(N1)).processes());
                assertEquals(0, measure(restarted, "after a restart: ensureSandbox + attach, adopted", SANDBOXES, i -> {
                    restarted.ensureSandbox("s" + i);
                    restarted.attach("s" + i, N1, 0, at(N1, 10 + i));
                }).processes());
                assertCost(0, 0, measure(restarted, "after a restart: setPeers, 50 unchanged (read)", 1,
                        i -> restarted.setPeers(N1.networkId(), moved)), "read from the kernel, nothing written");
                assertEquals(NFT, measure(restarted, "after a restart: setIngress, adopted (+ node table)", 1,
                        i -> restarted.setIngress(INGRESS, at(INGRESS, 2))).processes());
                assertEquals(0, measure(restarted, "after a restart: attachGateway, adopted", SANDBOXES,
                        i -> restarted.attachGateway("s" + i, 1)).processes());
                assertEquals(0, measure(restarted, "after a restart: attachGateway, new", 1,
                        i -> restarted.attachGateway("s" + SANDBOXES, 0)).processes());
                assertEquals(NFT, measure(restarted, "after a restart: setPublishedPorts (replaced once)", 1,
                        i -> restarted.setPublishedPorts(changed)).processes());
                assertEquals(0, measure(restarted, "removeSandbox", SANDBOXES, i -> restarted.removeSandbox("s" + i)).processes());
                assertEquals(0, measure(restarted, "removeNetwork", 1, i -> restarted.removeNetwork(N1.networkId())).processes());

                DataPlane fresh = nodes.plane(1);
                fresh.ensureNetwork(N1);
                long t0 = System.nanoTime(), requests = Netlink.applied();
                try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                    List<Future<Object>> done = new ArrayList<>();
                    for (int i = 0; i < SANDBOXES; i++) {
                        int n = i;
                        done.add(pool.submit((Callable<Object>) () -> {
                            fresh.ensureSandbox("p" + n);
                            fresh.attach("p" + n, N1, 0, at(N1, 100 + n));
                            fresh.setVips("p" + n, vips);
                            return null;
                        }));
                    }
                    for (Future<Object> f : done) f.get();
                }
                costs.add(new Cost("ensureSandbox + attach + setVips, concurrently", SANDBOXES,
                        (System.nanoTime() - t0) / 1e6 / SANDBOXES, NFT, (Netlink.applied() - requests) / (double) SANDBOXES));
                measure(fresh, "sweep, nothing live (networks, node parts)", 1, i -> fresh.sweep(Set.of(), Set.of()));
            } finally {
                System.out.println("Data plane costs on one host (means per call):");
                costs.forEach(System.out::println);
            }
        }
    }

    private static void assertCost(double processes, double requests, Cost c, String what) {
        assertEquals(processes, c.processes(), c.what() + ": processes");
        assertEquals(requests, c.requests(), c.what() + ": netlink requests, " + what);
    }

    /** {@code n} TCP ports from 8080, each over three backends on the ingress network. */
    static List<PublishedPort> ports(int n) {
        List<InetSocketAddress> backends = List.of(new InetSocketAddress(at(INGRESS, 11).inet(), 80),
                new InetSocketAddress(at(INGRESS, 12).inet(), 80), new InetSocketAddress(at(INGRESS, 13).inet(), 80));
        List<PublishedPort> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) ports.add(new PublishedPort(PublishedPort.Protocol.TCP, 8080 + i, PublishedPort.Mode.INGRESS, backends));
        return ports;
    }

    /** {@code n} endpoints 10.0.1.150.. on five nodes that do not exist, in the test hosts' subnet (nothing is sent to them). */
    static List<Peer> peers(Nodes nodes, int n) {
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < n; i++) peers.add(new Peer(at(N1, 150 + i).inet(), node(nodes, 100 + i % 5)));
        return peers;
    }

    static Inet4Address node(Nodes nodes, int last) {
        return Ipv4Prefix.inet(nodes.net.subnet().replace("0.0/24", "0." + last));
    }
}
