package io.shoal.daemon.engineapi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.agent.logs.LogEntry;
import io.shoal.agent.logs.LogQuery;
import io.shoal.agent.logs.LogStream;
import io.shoal.api.ApiException;
import io.shoal.api.Task;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The multiplexed stream's frames, the details prefix, the query, and streamed responses. */
class LogRoutesTest {
    @TempDir
    Path dir;

    @Test
    void aFrameIsStreamTypeThreeZerosBigEndianLengthAndPayload() {
        byte[] payload = new byte[300];
        payload[0] = 'x';
        byte[] f = LogRoutes.frame(LogStream.STDERR, payload);
        assertEquals(308, f.length);
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 0, 1, 44}, java.util.Arrays.copyOf(f, 8));
        assertEquals('x', f[8]);
        assertEquals(1, LogRoutes.frame(LogStream.STDOUT, new byte[0])[0]);
    }

    @Test
    void detailsAndTimestampsComeBeforeTheLineAsMobyWritesThem() {
        Task t = new Task("task1", null, null, null, null, null, null, "svc1", 1, "node1", null, null, null, null);
        var source = new LogRoutes.Source(t, null, LogRoutes.context("node1", t));
        var entry = new LogEntry(Instant.parse("2025-03-04T05:06:07.1Z"), LogStream.STDOUT, "hello\n");
        var o = new LogRoutes.Options(LogQuery.ALL, true, true);
        byte[] f = LogRoutes.encode(o, false, source, entry);
        assertEquals("2025-03-04T05:06:07.100000000Z com.docker.swarm.node.id=node1,com.docker.swarm.service.id=svc1,"
                + "com.docker.swarm.task.id=task1 hello\n", new String(f, 8, f.length - 8, StandardCharsets.UTF_8));
        assertEquals(1, f[0]);
        byte[] raw = LogRoutes.encode(new LogRoutes.Options(LogQuery.ALL, false, false), true, source, entry);
        assertEquals("hello\n", new String(raw, StandardCharsets.UTF_8)); // TTY: no frame
    }

    @Test
    void sinceAndTailAsTheDockerCliSendsThem() {
        assertEquals(Instant.ofEpochSecond(1700000000, 120000000), LogRoutes.since("1700000000.12"));
        assertEquals(Instant.ofEpochSecond(1700000000), LogRoutes.since("1700000000"));
        assertEquals(Instant.parse("2025-01-01T00:00:00Z"), LogRoutes.since("2025-01-01T00:00:00Z"));
        assertNull(LogRoutes.since(""));
        assertNull(LogRoutes.since("0"));
        assertThrows(ApiException.class, () -> LogRoutes.since("yesterday"));
        assertEquals(-1, LogRoutes.tail("all"));
        assertEquals(-1, LogRoutes.tail(null));
        assertEquals(2, LogRoutes.tail("2"));
        assertThrows(ApiException.class, () -> LogRoutes.tail("-1"));
        assertThrows(ApiException.class, () -> LogRoutes.tail("x"));
    }

    @Test
    void aStreamedBodyIsSentAsWrittenAndStopsWhenTheClientGoesAway() throws Exception {
        CountDownLatch ended = new CountDownLatch(1);
        Router router = new Router().add("GET", "/follow", req -> Router.Reply.stream(LogRoutes.MULTIPLEXED, out -> {
            try {
                out.write(LogRoutes.frame(LogStream.STDOUT, "first\n".getBytes(StandardCharsets.UTF_8)));
                // nothing more to write: only the connection tells that the client left
                while (out.open()) Thread.sleep(20);
            } finally {
                ended.countDown();
            }
        }));
        Path socket = dir.resolve("api.sock");
        try (EngineApiServer server = new EngineApiServer(socket, router, "test");
             SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(socket));
            client.write(ByteBuffer.wrap("GET /v1.45/follow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            StringBuilder got = new StringBuilder();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!got.toString().contains("first\n") && System.nanoTime() < deadline) {
                buf.clear();
                if (client.read(buf) < 0) break;
                got.append(new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1));
            }
            String response = got.toString();
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.contains("Content-Type: application/vnd.docker.multiplexed-stream"), response);
            assertTrue(response.contains("Transfer-Encoding: chunked"), response);
            assertTrue(response.contains("first\n"), "the first line arrives before the body ends: " + response);
            assertEquals(1, ended.getCount(), "still following");
            client.close();
            assertTrue(ended.await(10, TimeUnit.SECONDS), "the body stops once the client is gone");
        }
    }
}
