package io.shoal.network;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;

/** A DNS client inside a sandbox, for asking its resolver. */
final class DnsClient {
    private DnsClient() {}

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
            return new Message(Arrays.copyOf(p.getData(), p.getLength()));
        }
    }
}
