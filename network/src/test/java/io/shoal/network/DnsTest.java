package io.shoal.network;

import static io.shoal.network.OverlayTest.N1;
import static io.shoal.network.OverlayTest.at;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.common.Ipv4Prefix;
import io.shoal.network.dns.Answer;
import io.shoal.network.dns.Names;
import io.shoal.testkit.DnsUpstream;
import io.shoal.testkit.TestNetwork.Host;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The resolver on 127.0.0.11 inside a sandbox: the swarm's names, NXDOMAIN, empty AAAA, forwarding to an upstream on another host. */
class DnsTest {
    static final Map<String, List<String>> SWARM = Map.of("web", List.of("10.0.1.5", "10.0.1.6"), "tasks.web", List.of("10.0.1.7"));

    @BeforeAll
    static void requireRoot() throws IOException {
        Nodes.requireRoot(DnsTest.class);
    }

    static Names names(Map<String, List<String>> known) {
        return name -> {
            if (known.containsKey(name)) return new Answer.Addresses(known.get(name).stream().map(a -> Ipv4Prefix.inet(a)).toList());
            return name.equals("gone") ? new Answer.NoSuchName() : new Answer.Forward();
        };
    }

    @Test
    void answersTheSwarmsNamesAndForwardsTheRest() throws Exception {
        try (Nodes nodes = Nodes.create(2); DnsUpstream upstream = upstreamOn(nodes.host(2))) {
            DataPlane h1 = nodes.start(1, List.of(upstream.address));
            Path s = h1.ensureSandbox("s");
            h1.attach("s", N1, 0, at(N1, 5));
            h1.serveDns("s", names(SWARM));
            NamespaceThread t = nodes.thread();

            Message web = DnsClient.query(t, s, "Web", Type.A, false);
            assertEquals(Rcode.NOERROR, web.getRcode());
            assertTrue(web.getHeader().getFlag(Flags.AA), "authoritative for the swarm's names");
            assertEquals(List.of("10.0.1.5", "10.0.1.6"), addresses(web), "in the order given, whatever the case asked");

            long t0 = System.nanoTime();
            Message aaaa = DnsClient.query(t, s, "web", Type.AAAA, false);
            long aaaaMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Rcode.NOERROR, aaaa.getRcode(), "AAAA of a known name: no error");
            assertEquals(0, aaaa.getSection(Section.ANSWER).size(), "and no address");
            assertTrue(aaaaMillis < 500, "AAAA answered at once: " + aaaaMillis + " ms");

            assertEquals(Rcode.NXDOMAIN, DnsClient.query(t, s, "gone", Type.A, false).getRcode());
            assertEquals(0, upstream.udpQueries.get(), "the swarm's names never reach the upstream");

            Message example = DnsClient.query(t, s, "example.test", Type.A, false);
            assertEquals(List.of(DnsUpstream.EXAMPLE.getHostAddress()), addresses(example), "forwarded to the upstream on h2");
            assertEquals(Rcode.NXDOMAIN, DnsClient.query(t, s, "nowhere.test", Type.A, false).getRcode(), "the upstream's NXDOMAIN passed on");

            Message bigUdp = DnsClient.query(t, s, "big.test", Type.A, false);
            assertTrue(bigUdp.getHeader().getFlag(Flags.TC), "too big for UDP: truncated, so the client retries over TCP");
            Message bigTcp = DnsClient.query(t, s, "big.test", Type.A, true);
            assertFalse(bigTcp.getHeader().getFlag(Flags.TC));
            assertEquals(DnsUpstream.BIG, addresses(bigTcp).size(), "over TCP the resolver fell back to TCP upstream");
            assertTrue(upstream.tcpQueries.get() >= 1);

            assertEquals(List.of("10.0.1.7"), addresses(DnsClient.query(t, s, "tasks.web", Type.A, true)), "the swarm's names over TCP");

            t0 = System.nanoTime();
            Message slow = DnsClient.query(t, s, "slow.test", Type.A, false);
            long slowMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(Rcode.SERVFAIL, slow.getRcode(), "an upstream that does not answer: SERVFAIL");
            assertTrue(slowMillis < 4000, "after a short timeout: " + slowMillis + " ms");

            String nslookup = Nodes.run(s, Duration.ofSeconds(10), Nodes.BUSYBOX, "nslookup", "web", "127.0.0.11").out();
            assertTrue(nslookup.contains("10.0.1.5") && nslookup.contains("10.0.1.6"), "busybox nslookup in the sandbox:\n" + nslookup);

            h1.serveDns("s", names(Map.of("web", List.of("10.0.1.9"))));
            assertEquals(List.of("10.0.1.9"), addresses(DnsClient.query(t, s, "web", Type.A, false)), "names swapped in place");

            h1.removeSandbox("s");
        }
    }

    /** An upstream server on {@code host}'s address, port 53. */
    static DnsUpstream upstreamOn(Host host) throws IOException {
        InetSocketAddress at = new InetSocketAddress(host.address(), 53);
        return new DnsUpstream(host.inside(() -> new DatagramSocket(at)), host.inside(() -> new ServerSocket(53, 50, at.getAddress())));
    }

    static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream()
                .filter(r -> r instanceof ARecord).map(r -> ((ARecord) r).getAddress()).map(InetAddress::getHostAddress).toList();
    }
}
