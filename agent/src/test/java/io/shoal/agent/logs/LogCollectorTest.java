package io.shoal.agent.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture into json.log: lines, streams, times, partial lines, rotation, restart, raw truncation. */
class LogCollectorTest {
    @TempDir
    Path dir;

    private static final long NO_TRUNCATION = Long.MAX_VALUE;

    static void append(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static List<String> lines(List<LogEntry> entries) {
        return entries.stream().map(LogEntry::line).toList();
    }

    List<LogEntry> all() throws IOException {
        return LogReader.of(dir).read(LogQuery.ALL);
    }

    @Test
    void linesOfBothStreamsGetStrictlyIncreasingTimes() throws IOException {
        // A clock that never moves: times still increase, by a nanosecond.
        Clock frozen = Clock.fixed(Instant.parse("2025-01-02T03:04:05.123456789Z"), ZoneOffset.UTC);
        try (LogCollector c = LogCollector.manual(NO_TRUNCATION, frozen)) {
            c.watch("t1", dir, LogOptions.UNLIMITED);
            append(dir.resolve("stdout.log"), "out 1\nout 2\n");
            append(dir.resolve("stderr.log"), "err 1\n");
            c.pollOnce();
            append(dir.resolve("stdout.log"), "out 3\n");
            c.pollOnce();
        }
        List<LogEntry> all = all();
        assertEquals(List.of("out 1\n", "out 2\n", "err 1\n", "out 3\n"), lines(all));
        assertEquals(List.of(LogStream.STDOUT, LogStream.STDOUT, LogStream.STDERR, LogStream.STDOUT),
                all.stream().map(LogEntry::stream).toList());
        for (int i = 1; i < all.size(); i++) assertTrue(all.get(i).time().isAfter(all.get(i - 1).time()), all.toString());
        assertEquals(Instant.parse("2025-01-02T03:04:05.123456789Z"), all.getFirst().time());
        String first = Files.readAllLines(dir.resolve(JsonLog.FILE)).getFirst();
        assertEquals("{\"log\":\"out 1\\n\",\"stream\":\"stdout\",\"time\":\"2025-01-02T03:04:05.123456789Z\"}", first);
        assertEquals(List.of("err 1\n"), lines(LogReader.of(dir).read(new LogQuery(false, true, null, -1, false))));
    }

    @Test
    void aPartialLineWaitsForItsNewlineAndIsWrittenWhenTheTaskEnds() throws IOException {
        try (LogCollector c = LogCollector.manual(NO_TRUNCATION, Clock.systemUTC())) {
            c.watch("t1", dir, LogOptions.UNLIMITED);
            append(dir.resolve("stdout.log"), "hel");
            c.pollOnce();
            assertEquals(List.of(), all());
            append(dir.resolve("stdout.log"), "lo\nwor");
            c.pollOnce();
            assertEquals(List.of("hello\n"), lines(all()));
            c.finish("t1");
            assertTrue(c.capturing("t1"));
            c.pollOnce();
            assertFalse(c.capturing("t1"));
        }
        assertEquals(List.of("hello\n", "wor"), lines(all()));
    }

    @Test
    void aVeryLongLineIsCutAsDockerDoes() throws IOException {
        String longLine = "x".repeat(JsonLog.MAX_LINE * 2 + 10) + "\n";
        try (LogCollector c = LogCollector.manual(NO_TRUNCATION, Clock.systemUTC())) {
            c.watch("t1", dir, LogOptions.UNLIMITED);
            append(dir.resolve("stdout.log"), longLine);
            c.pollOnce();
        }
        List<String> got = lines(all());
        assertEquals(3, got.size());
        assertEquals(JsonLog.MAX_LINE, got.get(0).length());
        assertEquals(longLine, String.join("", got));
    }

    @Test
    void rotationKeepsAtMostMaxFileFilesOfAtMostMaxSize() throws IOException {
        LogOptions options = LogOptions.of(new io.shoal.api.Driver("json-file",
                java.util.Map.of("max-size", "1k", "max-file", "3")));
        assertEquals(new LogOptions(1024, 3), options);
        try (LogCollector c = LogCollector.manual(NO_TRUNCATION, Clock.systemUTC())) {
            c.watch("t1", dir, options);
            for (int i = 0; i < 200; i++) {
                append(dir.resolve("stdout.log"), "line " + i + "\n");
                if (i % 7 == 0) c.pollOnce();
            }
            c.pollOnce();
        }
        try (var files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(JsonLog.FILE)).sorted().toList();
            assertEquals(List.of("json.log", "json.log.1", "json.log.2"), names);
        }
        for (String n : List.of("json.log", "json.log.1", "json.log.2")) {
            assertTrue(Files.size(dir.resolve(n)) <= 1024, n + " is " + Files.size(dir.resolve(n)));
        }
        // What is kept is the newest lines, contiguous, the last one last.
        List<String> kept = lines(all());
        int first = Integer.parseInt(kept.getFirst().strip().substring(5));
        assertEquals(IntStream.range(first, 200).mapToObj(i -> "line " + i + "\n").toList(), kept);
        assertTrue(kept.size() > 30, "three files of 1 KiB hold more than 30 lines of 75 bytes: " + kept.size());
        // tail reads backwards across the rotated files
        assertEquals(kept.subList(kept.size() - 20, kept.size()), lines(LogReader.of(dir).read(new LogQuery(true, true, null, 20, false))));
    }

    @Test
    void maxFileOneCutsTheFileBackInPlace() throws IOException {
        try (LogCollector c = LogCollector.manual(NO_TRUNCATION, Clock.systemUTC())) {
            c.watch("t1", dir, new LogOptions(300, 1));
            for (int i = 0; i < 30; i++) {
                append(dir.resolve("stdout.log"), "line " + i + "\n");
                c.pollOnce();
            }
        }
        assertFalse(Files.exists(dir.resolve("json.log.1")));
        assertTrue(Files.size(dir.resolve(JsonLog.FILE)) <= 300);
        assertEquals("line 29\n", lines(all()).getLast());
    }

    @Test
    void aRestartedCaptureGoesOnWithoutLosingOrRepeatingLines() throws IOException {
        Path out = dir.resolve("stdout.log");
        try (LogCollector c = LogCollector.manual(NO_TRUNCATION, Clock.systemUTC())) {
            c.watch("t1", dir, new LogOptions(2048, 3));
            for (int i = 0; i < 50; i++) append(out, "line " + i + "\n");
            append(out, "half of line 5");
            c.pollOnce();
        }
        // The daemon was killed after writing lines to json.log but before saving its offsets:
        // those lines are in json.log, not in the state. A new capture cuts them and reads them again.
        String state = Files.readString(dir.resolve(Capture.STATE));
        append(dir.resolve(JsonLog.FILE), "{\"log\":\"line 50\\n\",\"stream\":\"stdout\",\"time\":\"2099-01-01T00:00:00Z\"}\n");
        append(out, "0\n");
        for (int i = 51; i < 120; i++) append(out, "line " + i + "\n");
        try (LogCollector c = LogCollector.manual(NO_TRUNCATION, Clock.systemUTC())) {
            c.watch("t1", dir, new LogOptions(2048, 3));
            assertEquals(state, Files.readString(dir.resolve(Capture.STATE)));
            c.pollOnce();
        }
        List<String> got = lines(all());
        int first = Integer.parseInt(got.getFirst().strip().substring(5));
        assertEquals(IntStream.range(first, 120).mapToObj(i -> "line " + i + "\n").toList(), got);
        List<LogEntry> entries = all();
        for (int i = 1; i < entries.size(); i++) assertTrue(entries.get(i).time().isAfter(entries.get(i - 1).time()));
    }

    @Test
    void rawFilesOfAnAppendingWriterAreTruncatedOnceConsumed() throws IOException {
        Path out = dir.resolve("stdout.log");
        try (LogCollector c = LogCollector.manual(200, Clock.systemUTC())) {
            c.watch("t1", dir, LogOptions.UNLIMITED);
            for (int i = 0; i < 100; i++) {
                append(out, "line " + i + "\n"); // O_APPEND, as >> would
                if (i % 10 == 9) c.pollOnce();
                assertTrue(Files.size(out) < 400, "raw file bounded: " + Files.size(out));
            }
            c.pollOnce();
        }
        assertEquals(IntStream.range(0, 100).mapToObj(i -> "line " + i + "\n").toList(), lines(all()));
    }

    @Test
    void rawFilesOfAWriterWithoutAppendAreTruncatedToAHole() throws IOException {
        // The executors open stdout.log with '>': the writer keeps its offset, so after a
        // truncation its next bytes land past a hole of zeros.
        Path out = dir.resolve("stdout.log");
        try (LogCollector c = LogCollector.manual(200, Clock.systemUTC());
             FileChannel writer = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            c.watch("t1", dir, LogOptions.UNLIMITED);
            for (int i = 0; i < 100; i++) {
                writer.write(ByteBuffer.wrap(("line " + i + "\n").getBytes(StandardCharsets.UTF_8)));
                if (i % 10 == 9) c.pollOnce();
            }
            c.pollOnce();
            assertTrue(allocatedBytes(out) < 8192 * 2, "a sparse file: " + allocatedBytes(out) + " bytes allocated");
        }
        assertEquals(IntStream.range(0, 100).mapToObj(i -> "line " + i + "\n").toList(), lines(all()));
    }

    /** Disk blocks in use, as du counts them. */
    static long allocatedBytes(Path p) throws IOException {
        try {
            Process pr = new ProcessBuilder("stat", "-c", "%b %B", p.toString()).start();
            String[] f = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim().split(" ");
            pr.waitFor();
            return Long.parseLong(f[0]) * Long.parseLong(f[1]);
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }

    @Test
    void tailAndSinceSelectLines() throws Exception {
        Instant[] now = {Instant.parse("2025-01-01T00:00:00Z")};
        Clock clock = new Clock() {
            public java.time.ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(java.time.ZoneId z) { return this; }
            public Instant instant() { return now[0]; }
        };
        try (LogCollector c = LogCollector.manual(NO_TRUNCATION, clock)) {
            c.watch("t1", dir, LogOptions.UNLIMITED);
            for (int i = 0; i < 10; i++) {
                now[0] = now[0].plusSeconds(1);
                append(dir.resolve(i % 2 == 0 ? "stdout.log" : "stderr.log"), "line " + i + "\n");
                c.pollOnce();
            }
        }
        LogReader r = LogReader.of(dir);
        assertEquals(List.of("line 8\n", "line 9\n"), lines(r.read(new LogQuery(true, true, null, 2, false))));
        assertEquals(List.of("line 6\n", "line 8\n"), lines(r.read(new LogQuery(true, false, null, 2, false))));
        assertEquals(List.of(), lines(r.read(new LogQuery(true, true, null, 0, false))));
        Instant since = Instant.parse("2025-01-01T00:00:08Z");
        assertEquals(List.of("line 7\n", "line 8\n", "line 9\n"), lines(r.read(new LogQuery(true, true, since, -1, false))));
        assertEquals(List.of("line 7\n", "line 8\n", "line 9\n"), lines(r.read(new LogQuery(true, true, since, 5, false))));
    }

    @Test
    void aFollowerGetsNewLinesAsTheyComeAndEndsWithTheTask() throws Exception {
        try (LogCollector c = new LogCollector(Duration.ofMillis(10), NO_TRUNCATION, Clock.systemUTC())) {
            c.watch("t1", dir, new LogOptions(400, 2));
            append(dir.resolve("stdout.log"), "before\n");
            List<String> got = java.util.Collections.synchronizedList(new ArrayList<>());
            Thread follower = Thread.ofVirtual().start(() -> {
                try {
                    c.reader("t1", dir).stream(new LogQuery(true, true, null, -1, true), e -> got.add(e.line()));
                } catch (Exception e) {
                    got.add("error " + e);
                }
            });
            until(() -> got.contains("before\n"));
            for (int i = 0; i < 60; i++) {
                append(dir.resolve(i % 2 == 0 ? "stdout.log" : "stderr.log"), "line " + i + "\n");
                int n = i;
                until(() -> got.contains("line " + n + "\n")); // each as it comes, across rotations
            }
            assertTrue(follower.isAlive());
            append(dir.resolve("stdout.log"), "last words");
            c.finish("t1");
            assertTrue(follower.join(Duration.ofSeconds(10)), "the follower ends with the task");
            assertEquals("last words", got.getLast());
            assertEquals(62, got.size(), got.toString());
        }
    }

    static void until(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met in 10 s");
            Thread.sleep(5);
        }
    }
}
