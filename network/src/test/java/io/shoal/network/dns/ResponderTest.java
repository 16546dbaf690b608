package io.shoal.network.dns;

import io.shoal.common.Ipv4Prefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The answers themselves, without sockets in sandboxes: the swarm's names, NXDOMAIN, empty AAAA, truncation, SERVFAIL. */
class ResponderTest {
    static final Forwarder NOWHERE = new Forwarder(List.of(), Duration.ofMillis(100), here());
    final AtomicReference<String> asked = new AtomicReference<>();
    final Names names = name -> {
        asked.set(name);
        return switch (name) {
            case "web" -> new Answer.Addresses(List.of(Ipv4Prefix.inet("10.0.1.5"), Ipv4Prefix.inet("10.0.1.6")));
            case "many" -> new Answer.Addresses(java.util.stream.IntStream.rangeClosed(1, 60).mapToObj(i -> Ipv4Prefix.inet("10.0.2." + i)).toList());
            case "gone" -> new Answer.NoSuchName();
            case "broken" -> throw new IllegalStateException("lookup failed");
            default -> new Answer.Forward();
        };
    };
    final Responder responder = new Responder(names, NOWHERE);

    static Forwarder.Sockets here() {
        return new Forwarder.Sockets() {
            @Override
            public DatagramChannel udp() throws IOException {
                return DatagramChannel.open();
            }

            @Override
            public SocketChannel tcp() throws IOException {
                return SocketChannel.open();
            }
        };
    }

    static byte[] query(String name, int type) throws IOException {
        return Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN)).toWire();
    }

    Message ask(String name, int type, boolean tcp) throws IOException {
        return new Message(responder.respond(query(name, type), tcp));
    }

    @Test
    void knownNamesGetTheirAddressesInOrder() throws IOException {
        Message r = ask("WEB.", Type.A, false);
        assertEquals("web", asked.get(), "looked up in lower case without the dot");
        assertEquals(Rcode.NOERROR, r.getRcode());
        assertTrue(r.getHeader().getFlag(Flags.AA) && r.getHeader().getFlag(Flags.QR) && r.getHeader().getFlag(Flags.RD));
        assertEquals(List.of("10.0.1.5", "10.0.1.6"), r.getSection(Section.ANSWER).stream()
                .map(a -> ((ARecord) a).getAddress().getHostAddress()).toList());
        assertEquals(Responder.TTL, r.getSection(Section.ANSWER).getFirst().getTTL());
    }

    @Test
    void otherTypesOfAKnownNameAreEmptyNotForwarded() throws IOException {
        for (int type : new int[] {Type.AAAA, Type.MX, Type.TXT}) {
            Message r = ask("web", type, false);
            assertEquals(Rcode.NOERROR, r.getRcode(), Type.string(type));
            assertTrue(r.getSection(Section.ANSWER).isEmpty(), Type.string(type));
        }
    }

    @Test
    void unknownNamesOfTheSwarmAreNxdomainAndTheRestServfailWithoutUpstreams() throws IOException {
        assertEquals(Rcode.NXDOMAIN, ask("gone", Type.A, false).getRcode());
        assertEquals(Rcode.SERVFAIL, ask("example.org", Type.A, false).getRcode(), "no upstream answered");
        assertEquals(Rcode.SERVFAIL, ask("broken", Type.A, false).getRcode(), "a failing lookup is the server's failure");
    }

    @Test
    void tooManyForUdpIsTruncatedButNotOverTcpOrWithEdns() throws IOException {
        Message udp = ask("many", Type.A, false);
        assertTrue(udp.getHeader().getFlag(Flags.TC), "60 answers do not fit in 512 bytes");
        Message tcp = ask("many", Type.A, true);
        assertFalse(tcp.getHeader().getFlag(Flags.TC));
        assertEquals(60, tcp.getSection(Section.ANSWER).size());
        Message q = Message.newQuery(Record.newRecord(Name.fromString("many."), Type.A, DClass.IN));
        q.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        Message edns = new Message(responder.respond(q.toWire(), false));
        assertFalse(edns.getHeader().getFlag(Flags.TC), "EDNS offers room for all");
        assertEquals(60, edns.getSection(Section.ANSWER).size());
        assertTrue(edns.getOPT() != null, "an EDNS query gets an EDNS answer");
    }

    @Test
    void responsesAndGarbageGetNoReplyOtherOpcodesNotimp() throws IOException {
        assertNull(responder.respond(new byte[] {1, 2, 3}, false));
        Message response = Message.newQuery(Record.newRecord(Name.fromString("web."), Type.A, DClass.IN));
        response.getHeader().setFlag(Flags.QR);
        assertNull(responder.respond(response.toWire(), false), "a response is not answered (no loops)");
        Message notify = Message.newQuery(Record.newRecord(Name.fromString("web."), Type.SOA, DClass.IN));
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        assertEquals(Rcode.NOTIMP, new Message(responder.respond(notify.toWire(), false)).getRcode());
    }

    @Test
    void namesAreSwappedInPlace() throws IOException {
        responder.names(name -> new Answer.Addresses(List.of(Ipv4Prefix.inet("10.0.9.9"))));
        assertEquals("10.0.9.9", ((ARecord) ask("web", Type.A, false).getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress());
    }

}
