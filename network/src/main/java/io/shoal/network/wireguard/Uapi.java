package io.shoal.network.wireguard;

import io.shoal.common.wireguard.Key;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * A userspace WireGuard's configuration socket ({@code /var/run/wireguard/IFNAME.sock}), spoken
 * directly: {@code get=1} reads the device, {@code set=1} changes it, each a short text exchange
 * ending with {@code errno=N}. What {@code wg show} and {@code wg set} do, without a process.
 * A path socket, so it is reached from any network namespace.
 */
public final class Uapi {
    private static final int MAX_REPLY = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Path socket;

    public Uapi(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** The device's configuration. */
    public Device get() throws IOException {
        Key privateKey = null;
        int listenPort = 0;
        Map<Key, Device.Peer> peers = new HashMap<>();
        PeerReader peer = null;
        for (String line : exchange("get=1\n\n").lines().toList()) {
            int eq = line.indexOf('=');
            if (eq < 0) continue;
            String key = line.substring(0, eq), value = line.substring(eq + 1);
            switch (key) {
                case "private_key" -> privateKey = Key.fromHex(value);
                case "listen_port" -> listenPort = Integer.parseInt(value);
                case "public_key" -> {
                    if (peer != null) peers.put(peer.publicKey, peer.peer());
                    peer = new PeerReader(Key.fromHex(value));
                }
                case "preshared_key" -> peer.presharedKey = Key.fromHex(value);
                case "endpoint" -> peer.endpoint = endpoint(value);
                case "allowed_ip" -> peer.allowedIps.add(value);
                case "persistent_keepalive_interval" -> peer.keepalive = Integer.parseInt(value);
                default -> { } // counters, handshake times, protocol version
            }
        }
        if (peer != null) peers.put(peer.publicKey, peer.peer());
        return new Device(privateKey, listenPort, peers);
    }

    /** Writes what differs between the device and {@code wanted}; nothing when they are the same. */
    public void apply(Device wanted) throws IOException {
        String changes = get().changesTo(wanted);
        if (!changes.isEmpty()) exchange("set=1\n" + changes + "\n");
    }

    /** Whether the socket answers a {@code get}: the device behind it is up and listening for configuration. */
    public boolean answers() {
        try {
            exchange("get=1\n\n");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sends a request and returns the reply once it ends ({@code errno=N} and a blank line); a
     * nonzero errno fails. A device still starting accepts its first connection late: the wait is
     * bounded, so a hung process fails the call rather than the caller.
     */
    private String exchange(String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
            while (out.hasRemaining()) ch.write(out);
            ch.configureBlocking(false);
            ch.register(selector, SelectionKey.OP_READ);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            StringBuilder reply = new StringBuilder();
            ByteBuffer in = ByteBuffer.allocate(8192);
            while (!ended(reply)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || selector.select(Math.max(1, left / 1_000_000)) == 0 && System.nanoTime() >= deadline) {
                    throw new IOException(socket + " did not reply within " + TIMEOUT.toSeconds() + " s");
                }
                selector.selectedKeys().clear();
                in.clear();
                if (ch.read(in) < 0) throw new IOException(socket + " closed before its reply ended: " + reply);
                reply.append(StandardCharsets.US_ASCII.decode(in.flip()));
                if (reply.length() > MAX_REPLY) throw new IOException(socket + " replied more than " + MAX_REPLY + " bytes");
            }
            String text = reply.toString();
            String errno = text.substring(text.lastIndexOf("errno=") + "errno=".length()).strip();
            if (!errno.equals("0")) throw new IOException(socket + ": " + request.lines().findFirst().orElse("") + " failed, errno " + errno);
            return text;
        }
    }

    private static boolean ended(StringBuilder reply) {
        int errno = reply.lastIndexOf("errno=");
        return errno >= 0 && reply.indexOf("\n\n", errno) >= 0;
    }

    private static InetSocketAddress endpoint(String text) {
        int colon = text.lastIndexOf(':');
        String host = text.substring(0, colon);
        if (host.startsWith("[")) host = host.substring(1, host.length() - 1);
        try {
            return new InetSocketAddress(InetAddress.ofLiteral(host), Integer.parseInt(text.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("endpoint " + text + " is not an address and port", e);
        }
    }

    /** A peer being read: its lines follow its {@code public_key} line. */
    private static final class PeerReader {
        final Key publicKey;
        final Set<String> allowedIps = new HashSet<>();
        Key presharedKey;
        InetSocketAddress endpoint;
        int keepalive;

        PeerReader(Key publicKey) {
            this.publicKey = publicKey;
        }

        Device.Peer peer() {
            return new Device.Peer(presharedKey, endpoint, allowedIps, keepalive);
        }
    }
}
