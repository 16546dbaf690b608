package io.shoal.network.dns;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Asks the upstream servers, in order, what the swarm does not know: the query as the client sent
 * it, over UDP, and over TCP when the client asked over TCP and the UDP answer came truncated (a
 * UDP client gets the truncated answer and retries over TCP itself). The sockets are opened through
 * {@link Sockets}, in the daemon's namespace: a sandbox has no route to the host's resolvers.
 */
public final class Forwarder {
    private static final int MAX_UDP = 65535;

    /** Opens the sockets queries go out from, in the namespace they must go out from. */
    public interface Sockets {
        DatagramChannel udp() throws IOException;

        SocketChannel tcp() throws IOException;
    }

    private final List<InetSocketAddress> upstreams;
    private final Duration timeout;
    private final Sockets sockets;

    /** {@code timeout} bounds each upstream's answer; past it the next is asked. */
    public Forwarder(List<InetSocketAddress> upstreams, Duration timeout, Sockets sockets) {
        this.upstreams = List.copyOf(upstreams);
        this.timeout = timeout;
        this.sockets = sockets;
    }

    /** The first upstream's answer to {@code query}, or empty when none answered in time. */
    public Optional<byte[]> forward(byte[] query, boolean overTcp) {
        for (InetSocketAddress upstream : upstreams) {
            try {
                byte[] answer = udp(upstream, query);
                if (answer == null) continue;
                if (overTcp && truncated(answer)) return Optional.of(tcpOr(upstream, query, answer));
                return Optional.of(answer);
            } catch (IOException e) {
                // unreachable, refused or cut off: the next upstream may answer
            }
        }
        return Optional.empty();
    }

    /** The answer carrying the query's id, or null when none came within the timeout. */
    private byte[] udp(InetSocketAddress upstream, byte[] query) throws IOException {
        try (DatagramChannel ch = sockets.udp()) {
            ch.connect(upstream);
            DatagramSocket s = ch.socket();
            s.send(new DatagramPacket(query, query.length));
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] buf = new byte[MAX_UDP];
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) return null;
                s.setSoTimeout((int) left);
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    s.receive(p);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                // Whatever else reaches the port (a stray or forged datagram) is not the answer.
                if (p.getLength() >= 2 && buf[0] == query[0] && buf[1] == query[1]) {
                    return Arrays.copyOf(buf, p.getLength());
                }
            }
        }
    }

    /** The whole answer over TCP, or the truncated one when TCP fails: the client still learns something. */
    private byte[] tcpOr(InetSocketAddress upstream, byte[] query, byte[] truncated) {
        try {
            return tcp(upstream, query);
        } catch (IOException e) {
            return truncated;
        }
    }

    private byte[] tcp(InetSocketAddress upstream, byte[] query) throws IOException {
        try (SocketChannel ch = sockets.tcp()) {
            Socket s = ch.socket();
            s.connect(upstream, (int) timeout.toMillis());
            s.setSoTimeout((int) timeout.toMillis());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeShort(query.length);
            out.write(query);
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] answer = new byte[in.readUnsignedShort()];
            in.readFully(answer);
            return answer;
        }
    }

    private static boolean truncated(byte[] message) {
        return message.length > 2 && (message[2] & 0x02) != 0;
    }
}
