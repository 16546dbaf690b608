package io.shoal.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A minimal HTTP/1.1 client over a unix socket, for raw Engine API calls in tests and benchmarks. */
public final class UnixHttp {
    public record Response(int status, Map<String, String> headers, String body) {}

    private final Path socket;
    private final Duration timeout;

    public UnixHttp(Path socket) {
        this(socket, null);
    }

    /**
     * A client whose calls fail with {@link SocketTimeoutException} when the whole exchange takes
     * longer than {@code timeout} (a frozen daemon still accepts connections but never answers).
     */
    public UnixHttp(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Response get(String path) throws IOException {
        return send("GET", path, null);
    }

    public Response post(String path, String json) throws IOException {
        return send("POST", path, json);
    }

    public Response delete(String path) throws IOException {
        return send("DELETE", path, null);
    }

    public Response send(String method, String path, String json) throws IOException {
        byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                + (json == null ? "" : "Content-Type: application/json\r\n")
                + "Content-Length: " + body.length + "\r\n\r\n";
        AtomicBoolean timedOut = new AtomicBoolean();
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return exchange(ch, head, body, timedOut);
        } catch (IOException e) {
            if (!timedOut.get()) throw e;
            throw new SocketTimeoutException(method + " " + path + " got no answer within " + timeout);
        }
    }

    private Response exchange(SocketChannel ch, String head, byte[] body, AtomicBoolean timedOut) throws IOException {
        Thread watchdog = timeout == null ? null : Thread.startVirtualThread(() -> {
            try {
                Thread.sleep(timeout);
                timedOut.set(true);
                ch.close();
            } catch (InterruptedException | IOException e) {
                // answered in time, or already closed
            }
        });
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            try {
                ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer b = ByteBuffer.wrap(body);
                while (b.hasRemaining()) ch.write(b);
            } catch (IOException e) {
                // The server may answer (413, say) and close before the whole body is sent.
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(65536);
            while (ch.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return parse(out.toByteArray());
        } finally {
            if (watchdog != null) watchdog.interrupt();
        }
    }

    /**
     * A connection kept open across requests, as an API client's pool keeps them (the calls of
     * {@link UnixHttp} each open and close one, as the docker CLI does per command). Not for
     * concurrent use; bodies must come with a Content-Length, as the Engine API sends them.
     */
    public KeepAlive keepAlive() throws IOException {
        return new KeepAlive(socket);
    }

    public static final class KeepAlive implements AutoCloseable {
        private static final byte[] CRLF2 = {'\r', '\n', '\r', '\n'};
        private final SocketChannel ch;
        private byte[] pending = new byte[1 << 16];
        private int length;

        private KeepAlive(Path socket) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        }

        public Response send(String method, String path, String json) throws IOException {
            byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: docker\r\n"
                    + (json == null ? "" : "Content-Type: application/json\r\n")
                    + "Content-Length: " + body.length + "\r\n\r\n";
            ByteBuffer out = ByteBuffer.allocate(head.length() + body.length)
                    .put(head.getBytes(StandardCharsets.US_ASCII)).put(body).flip();
            while (out.hasRemaining()) ch.write(out);
            int headEnd;
            while ((headEnd = indexOf(CRLF2)) < 0) fill();
            headEnd += CRLF2.length;
            String headers = new String(pending, 0, headEnd, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            int at = headers.indexOf("\r\ncontent-length:");
            if (at < 0) throw new IOException("response without Content-Length: " + headers);
            int total = headEnd + Integer.parseInt(headers.substring(at + 17, headers.indexOf("\r\n", at + 2)).trim());
            while (length < total) fill();
            byte[] response = Arrays.copyOf(pending, total);
            System.arraycopy(pending, total, pending, 0, length - total);
            length -= total;
            return parse(response);
        }

        private int indexOf(byte[] what) {
            outer:
            for (int i = 0; i + what.length <= length; i++) {
                for (int j = 0; j < what.length; j++) if (pending[i + j] != what[j]) continue outer;
                return i;
            }
            return -1;
        }

        private void fill() throws IOException {
            if (length == pending.length) pending = Arrays.copyOf(pending, pending.length * 2);
            int n = ch.read(ByteBuffer.wrap(pending, length, pending.length - length));
            if (n < 0) throw new IOException("connection closed by the daemon");
            length += n;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private static Response parse(byte[] raw) {
        String all = new String(raw, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        String[] lines = all.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int c = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, c).trim().toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
        }
        String rest = all.substring(end + 4);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) rest = dechunk(rest);
        return new Response(status, headers, new String(rest.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
    }

    private static String dechunk(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            int eol = s.indexOf("\r\n", i);
            int size = Integer.parseInt(s.substring(i, eol).split(";")[0].trim(), 16);
            if (size == 0) break;
            out.append(s, eol + 2, eol + 2 + size);
            i = eol + 2 + size + 2;
        }
        return out.toString();
    }
}
