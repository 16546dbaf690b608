package io.shoal.network;

import io.shoal.testkit.TestNetwork.Host;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** The two ends a sandbox's resolver talks to in tests: a client inside the sandbox, and an upstream server on a host. */
final class DnsPeers {
    static final Inet4Address EXAMPLE = Ipv4Prefix.ipv4("192.0.2.10");
    /** More A records than fit in 512 bytes: truncated over UDP. */
    static final int BIG = 40;

    private DnsPeers() {}

    /** Asks the resolver at 127.0.0.11:53 inside {@code sandbox}, over UDP or TCP, from a socket made there. */
    static Message query(NamespaceThread thread, Path sandbox, String name, int type, boolean tcp) throws IOException {
        Message q = Message.newQuery(Record.newRecord(Name.fromString(name, Name.root), type, DClass.IN));
        byte[] wire = q.toWire();
        int timeout = (int) Duration.ofSeconds(5).toMillis();
        if (tcp) {
            try (SocketChannel ch = thread.in(sandbox, SocketChannel::open)) {
                Socket s = ch.socket();
                s.connect(new InetSocketAddress("127.0.0.11", 53), timeout);
                s.setSoTimeout(timeout);
                DataOutputStream out = new DataOutputStream(s.getOutputStream());
                out.writeShort(wire.length);
                out.write(wire);
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] answer = new byte[in.readUnsignedShort()];
                in.readFully(answer);
                return new Message(answer);
            }
        }
        try (DatagramChannel ch = thread.in(sandbox, DatagramChannel::open)) {
            DatagramSocket s = ch.socket();
            s.setSoTimeout(timeout);
            s.send(new DatagramPacket(wire, wire.length, new InetSocketAddress("127.0.0.11", 53)));
            DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
            s.receive(p);
            return new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
        }
    }

    /**
     * A DNS server on a host, UDP and TCP: {@code example.test} is {@link #EXAMPLE}, {@code big.test}
     * has {@link #BIG} addresses, {@code slow.test} is never answered, anything else is NXDOMAIN.
     */
    static final class Upstream implements AutoCloseable {
        final InetSocketAddress address;
        final AtomicInteger udpQueries = new AtomicInteger();
        final AtomicInteger tcpQueries = new AtomicInteger();
        private final DatagramSocket udp;
        private final ServerSocket tcp;

        Upstream(Host host, int port) throws IOException {
            this.address = new InetSocketAddress(host.address(), port);
            this.udp = host.inside(() -> new DatagramSocket(address));
            this.tcp = host.inside(() -> new ServerSocket(port, 50, address.getAddress()));
            Thread.ofVirtual().start(this::serveUdp);
            Thread.ofVirtual().start(this::serveTcp);
        }

        private void serveUdp() {
            byte[] buf = new byte[65535];
            while (!udp.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udp.receive(p);
                    udpQueries.incrementAndGet();
                    byte[] reply = answer(java.util.Arrays.copyOf(p.getData(), p.getLength()), 512);
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
                        r.addRecord(new ARecord(question.getName(), DClass.IN, 60, Ipv4Prefix.ipv4("192.0.2." + i)), Section.ANSWER);
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
}
