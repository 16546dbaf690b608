package io.shoal.network.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DnsUpstream;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Forwarding to upstream servers on loopback: UDP, TCP after truncation, the next upstream when one is silent or closed. */
class ForwarderTest {
    static final Duration TIMEOUT = Duration.ofMillis(300);

    @Test
    void forwardsOverUdpAndOverTcpWhenTruncatedForATcpClient() throws IOException {
        try (DnsUpstream up = DnsUpstream.onLoopback()) {
            Forwarder f = new Forwarder(List.of(up.address), TIMEOUT, ResponderTest.here());
            Message example = new Message(f.forward(ResponderTest.query("example.test", Type.A), false).orElseThrow());
            assertEquals(DnsUpstream.EXAMPLE, ((org.xbill.DNS.ARecord) example.getSection(Section.ANSWER).getFirst()).getAddress());

            Message udp = new Message(f.forward(ResponderTest.query("big.test", Type.A), false).orElseThrow());
            assertTrue(udp.getHeader().getFlag(Flags.TC), "a UDP client gets the truncated answer and retries over TCP itself");
            assertEquals(0, up.tcpQueries.get());
            Message tcp = new Message(f.forward(ResponderTest.query("big.test", Type.A), true).orElseThrow());
            assertFalse(tcp.getHeader().getFlag(Flags.TC));
            assertEquals(DnsUpstream.BIG, tcp.getSection(Section.ANSWER).size());
            assertEquals(1, up.tcpQueries.get());
        }
    }

    @Test
    void aSilentOrClosedUpstreamIsPassedOverAndNoneAnsweringIsEmpty() throws IOException {
        try (DnsUpstream up = DnsUpstream.onLoopback(); DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            InetSocketAddress closed;
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                closed = (InetSocketAddress) s.getLocalSocketAddress();
            }
            Forwarder f = new Forwarder(List.of((InetSocketAddress) silent.getLocalSocketAddress(), closed, up.address), TIMEOUT, ResponderTest.here());
            long t0 = System.nanoTime();
            Message r = new Message(f.forward(ResponderTest.query("nowhere.test", Type.A), false).orElseThrow());
            assertEquals(Rcode.NXDOMAIN, r.getRcode(), "the third upstream answered");
            assertTrue(System.nanoTime() - t0 < TIMEOUT.multipliedBy(3).toNanos(), "one timeout for the silent one, none for the closed one");

            Forwarder none = new Forwarder(List.of((InetSocketAddress) silent.getLocalSocketAddress()), TIMEOUT, ResponderTest.here());
            assertTrue(none.forward(ResponderTest.query("example.test", Type.A), false).isEmpty());
            assertTrue(f.forward(ResponderTest.query("slow.test", Type.A), false).isEmpty(), "the last upstream never answers this one");
        }
    }
}
