package io.shoal.network.dns;

import io.shoal.common.Ipv4Prefix;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * A sandbox's DNS server: serves {@link Responder}'s answers on a UDP and a TCP socket that were
 * bound inside the sandbox (at {@link #ADDRESS}), with a virtual thread per query or connection. A
 * flood of queries is bounded: past {@link #IN_FLIGHT} unanswered ones, UDP queries are dropped (the
 * client retries) and TCP connections wait.
 */
public final class Resolver implements AutoCloseable {
    /** Where the server listens inside the sandbox, Docker's address for its embedded server. */
    public static final InetSocketAddress ADDRESS = new InetSocketAddress(Ipv4Prefix.inet("127.0.0.11"), 53);
    static final int IN_FLIGHT = 256;
    private static final int IDLE_MILLIS = 10_000;
    private static final System.Logger LOG = System.getLogger(Resolver.class.getName());

    private final DatagramChannel udp;
    private final ServerSocketChannel tcp;
    private final Responder responder;
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT);
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Starts serving on the bound sockets, which it closes on {@link #close()}. */
    public Resolver(DatagramChannel udp, ServerSocketChannel tcp, Responder responder) {
        this.udp = udp;
        this.tcp = tcp;
        this.responder = responder;
        Thread.ofVirtual().name("dns-udp").start(this::serveUdp);
        Thread.ofVirtual().name("dns-tcp").start(this::serveTcp);
    }

    /** Answers from {@code names} from now on. */
    public void names(Names names) {
        responder.names(names);
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(udp);
        closeQuietly(tcp);
        connections.forEach(Resolver::closeQuietly);
    }

    private void serveUdp() {
        ByteBuffer buf = ByteBuffer.allocate(65535);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress client = udp.receive(buf);
                byte[] query = Arrays.copyOf(buf.array(), buf.position());
                if (!inFlight.tryAcquire()) continue;
                Thread.startVirtualThread(() -> {
                    try {
                        byte[] reply = responder.respond(query, false);
                        if (reply != null) udp.send(ByteBuffer.wrap(reply), client);
                    } catch (IOException e) {
                        if (!closed) LOG.log(System.Logger.Level.DEBUG, "dns reply to " + client + " failed", e);
                    } finally {
                        inFlight.release();
                    }
                });
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) LOG.log(System.Logger.Level.WARNING, "dns udp receive failed", e);
            }
        }
    }

    private void serveTcp() {
        while (!closed) {
            try {
                SocketChannel c = tcp.accept();
                connections.add(c);
                Thread.startVirtualThread(() -> serveConnection(c));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) LOG.log(System.Logger.Level.WARNING, "dns tcp accept failed", e);
            }
        }
    }

    /** Length-prefixed queries, answered in order, until the client closes or idles. */
    private void serveConnection(SocketChannel c) {
        try (c) {
            Socket s = c.socket();
            s.setSoTimeout(IDLE_MILLIS);
            DataInputStream in = new DataInputStream(s.getInputStream());
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            while (!closed) {
                byte[] query = new byte[in.readUnsignedShort()];
                in.readFully(query);
                inFlight.acquireUninterruptibly();
                byte[] reply;
                try {
                    reply = responder.respond(query, true);
                } finally {
                    inFlight.release();
                }
                if (reply == null) return;
                out.writeShort(reply.length);
                out.write(reply);
                out.flush();
            }
        } catch (EOFException | SocketTimeoutException | ClosedChannelException e) {
            // the client is done, idle, or we are closing
        } catch (IOException e) {
            if (!closed) LOG.log(System.Logger.Level.DEBUG, "dns tcp connection failed", e);
        } finally {
            connections.remove(c);
        }
    }

    private static void closeQuietly(Channel c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing: nothing to do about it
        }
    }
}
