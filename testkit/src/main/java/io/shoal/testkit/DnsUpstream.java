package io.shoal.testkit;

import io.shoal.common.Ipv4Prefix;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * An upstream DNS server for tests, UDP and TCP on one address: {@code example.test} is
 * {@link #EXAMPLE}, {@code big.test} has {@link #BIG} addresses (truncated over UDP),
 * {@code slow.test} is never answered, anything else is NXDOMAIN.
 */
public final class DnsUpstream implements AutoCloseable {
    public static final Inet4Address EXAMPLE = Ipv4Prefix.inet("192.0.2.10");
    /** More A records than fit in 512 bytes. */
    public static final int BIG = 40;

    public final InetSocketAddress address;
    public final AtomicInteger udpQueries = new AtomicInteger();
    public final AtomicInteger tcpQueries = new AtomicInteger();
    private final DatagramSocket udp;
    private final ServerSocket tcp;

    /** Serves on sockets bound to one address (in whichever namespace the caller bound them). */
    public DnsUpstream(DatagramSocket udp, ServerSocket tcp) {
        this.address = (InetSocketAddress) udp.getLocalSocketAddress();
        this.udp = udp;
        this.tcp = tcp;
        Thread.ofVirtual().start(this::serveUdp);
        Thread.ofVirtual().start(this::serveTcp);
    }

    /** One on 127.0.0.1, a free port. */
    public static DnsUpstream onLoopback() throws IOException {
        DatagramSocket udp = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        return new DnsUpstream(udp, new ServerSocket(udp.getLocalPort(), 50, udp.getLocalAddress()));
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                udpQueries.incrementAndGet();
                byte[] reply = answer(Arrays.copyOf(p.getData(), p.getLength()), 512);
                if (reply != null) udp.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            } catch (IOException e) {
                // closed
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket s = tcp.accept()) {
                tcpQueries.incrementAndGet();
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] q = new byte[in.readUnsignedShort()];
                in.readFully(q);
                byte[] reply = answer(q, 65535);
                if (reply == null) continue;
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeShort(reply.length);
                out.write(reply);
            } catch (IOException e) {
                // closed
            }
        }
    }

    private static byte[] answer(byte[] query, int limit) throws IOException {
        Message q = new Message(query);
        Record question = q.getQuestion();
        String name = question.getName().toString(true);
        if (name.equals("slow.test")) return null;
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.addRecord(question, Section.QUESTION);
        switch (name) {
            case "example.test" -> r.addRecord(new ARecord(question.getName(), DClass.IN, 60, EXAMPLE), Section.ANSWER);
            case "big.test" -> {
                for (int i = 1; i <= BIG; i++) {
                    r.addRecord(new ARecord(question.getName(), DClass.IN, 60, Ipv4Prefix.inet("192.0.2." + i)), Section.ANSWER);
                }
            }
            default -> r.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        if (question.getType() != Type.A) r.removeAllRecords(Section.ANSWER);
        return r.toWire(limit);
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }
}
