package io.shoal.network.dns;

import java.io.IOException;
import java.net.Inet4Address;
import java.util.Locale;
import java.util.Objects;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Answers one DNS query the way Docker's embedded server does: names the swarm knows get their
 * IPv4 addresses (and, for any other type, an empty NOERROR at once: there is no IPv6, and
 * resolvers that ask A and AAAA together must not wait for the second), names it owns but lacks
 * get NXDOMAIN, everything else goes to the upstream servers. A reply too long for the client's
 * UDP size is truncated with TC set, so the client retries over TCP.
 */
public final class Responder {
    /** Docker's TTL for the embedded server's answers. */
    static final long TTL = 600;
    private static final int CLASSIC_UDP = 512, MAX_UDP = 4096, MAX_TCP = 65535;

    private final Forwarder forwarder;
    private volatile Names names;

    public Responder(Names names, Forwarder forwarder) {
        this.names = Objects.requireNonNull(names);
        this.forwarder = Objects.requireNonNull(forwarder);
    }

    /** Answers from {@code next} from now on. */
    public void names(Names next) {
        names = Objects.requireNonNull(next);
    }

    /** The reply to {@code query}, or null when it is no query to answer (garbage, a response). */
    public byte[] respond(byte[] query, boolean overTcp) {
        Message q;
        try {
            q = new Message(query);
        } catch (IOException e) {
            return null;
        }
        Header h = q.getHeader();
        if (h.getFlag(Flags.QR)) return null;
        int limit = overTcp ? MAX_TCP : udpLimit(q);
        Record question = q.getQuestion();
        if (h.getOpcode() != Opcode.QUERY) return reply(q, Rcode.NOTIMP, limit).toWire(limit);
        if (question == null) return reply(q, Rcode.FORMERR, limit).toWire(limit);
        Answer answer;
        try {
            answer = question.getDClass() == DClass.IN ? names.lookup(nameOf(question)) : new Answer.Forward();
        } catch (RuntimeException e) {
            return reply(q, Rcode.SERVFAIL, limit).toWire(limit);
        }
        return switch (answer) {
            case Answer.Addresses a -> {
                Message r = reply(q, Rcode.NOERROR, limit);
                r.getHeader().setFlag(Flags.AA);
                if (question.getType() == Type.A || question.getType() == Type.ANY) {
                    for (Inet4Address addr : a.addresses()) r.addRecord(new ARecord(question.getName(), DClass.IN, TTL, addr), Section.ANSWER);
                }
                yield r.toWire(limit);
            }
            case Answer.NoSuchName _ -> {
                Message r = reply(q, Rcode.NXDOMAIN, limit);
                r.getHeader().setFlag(Flags.AA);
                yield r.toWire(limit);
            }
            case Answer.Forward _ -> forwarder.forward(query, overTcp).orElseGet(() -> reply(q, Rcode.SERVFAIL, limit).toWire(limit));
        };
    }

    /** The name as {@link Names} takes it: lower case, no trailing dot. */
    static String nameOf(Record question) {
        String n = question.getName().toString(true);
        return n.toLowerCase(Locale.ROOT);
    }

    private static Message reply(Message q, int rcode, int limit) {
        Message r = new Message(q.getHeader().getID());
        Header h = r.getHeader();
        h.setFlag(Flags.QR);
        h.setFlag(Flags.RA);
        if (q.getHeader().getFlag(Flags.RD)) h.setFlag(Flags.RD);
        h.setOpcode(q.getHeader().getOpcode());
        h.setRcode(rcode);
        if (q.getQuestion() != null) r.addRecord(q.getQuestion(), Section.QUESTION);
        if (q.getOPT() != null) r.addRecord(new OPTRecord(Math.min(limit, MAX_UDP), 0, 0), Section.ADDITIONAL);
        return r;
    }

    /** What the client takes over UDP: 512 bytes, or the size its EDNS record offers (at most 4096). */
    private static int udpLimit(Message q) {
        OPTRecord opt = q.getOPT();
        return opt == null ? CLASSIC_UDP : Math.clamp(opt.getPayloadSize(), CLASSIC_UDP, MAX_UDP);
    }
}
