package io.shoal.agent.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Reads one task's json.log and its rotated files: the lines so far ({@link #read}), or those
 * and then new ones as they are captured ({@link #stream} with {@code follow}). {@code tail}
 * reads files backwards from the end, so it costs what it returns, not the size of the log.
 * Without a live capture it reads what is on disk and ends.
 */
public final class LogReader {
    private static final int BLOCK = 64 * 1024;
    /** How long a follower waits for new lines before it asks its sink whether to go on. */
    static final Duration CHECK = Duration.ofMillis(500);

    /** Waits for the capture's next round after {@code seen}; returns the last round. */
    @FunctionalInterface
    interface Rounds {
        long await(long seen, Duration timeout) throws InterruptedException;
    }

    @FunctionalInterface
    private interface Lines {
        boolean accept(byte[] buf, int off, int len) throws IOException;
    }

    private final Path dir;
    private final BooleanSupplier live;
    private final Rounds rounds;

    LogReader(Path dir, BooleanSupplier live, Rounds rounds) {
        this.dir = dir;
        this.live = live;
        this.rounds = rounds;
    }

    /** A reader of what is on disk in {@code dir}, with nothing to follow. */
    public static LogReader of(Path dir) {
        return new LogReader(dir, () -> false, (seen, timeout) -> seen);
    }

    /** The lines so far that the query selects, oldest first ({@code follow} is ignored). */
    public List<LogEntry> read(LogQuery q) throws IOException {
        List<LogEntry> out = new ArrayList<>();
        try {
            stream(new LogQuery(q.stdout(), q.stderr(), q.since(), q.tail(), false), out::add);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /**
     * Delivers the lines so far that the query selects and, with {@code follow}, each new one as
     * it is captured, until the capture has ended and everything is delivered, the sink says
     * stop, or it throws.
     */
    public void stream(LogQuery q, LogSink sink) throws IOException, InterruptedException {
        long seen = rounds.await(Long.MAX_VALUE, Duration.ZERO);
        Path current = dir.resolve(JsonLog.FILE);
        FileChannel ch = open(current);
        try {
            long end = ch == null ? 0 : ch.size();
            history(q, ch, end, sink);
            if (!q.follow()) return;
            Object key = ch == null ? null : key(current);
            long pos = end;
            for (;;) {
                boolean wasLive = live.getAsBoolean();
                if (ch == null) {
                    ch = open(current);
                    key = ch == null ? null : key(current);
                    pos = 0;
                }
                if (ch != null) {
                    if (ch.size() < pos) pos = 0; // cut back in place (max-file 1)
                    pos = forward(ch, pos, ch.size(), (b, off, len) -> deliver(q, b, off, len, sink));
                    Object now = key(current);
                    if (!Objects.equals(now, key)) { // rotated: the rest of the old file is read, go on with the new one
                        pos = forward(ch, pos, ch.size(), (b, off, len) -> deliver(q, b, off, len, sink));
                        ch.close();
                        ch = null;
                        continue;
                    }
                }
                if (!wasLive) return;
                if (!sink.open()) return;
                seen = rounds.await(seen, CHECK);
            }
        } finally {
            if (ch != null) ch.close();
        }
    }

    private void history(LogQuery q, FileChannel current, long end, LogSink sink) throws IOException {
        List<Path> rotated = rotated();
        if (q.tail() == 0) return;
        if (q.tail() < 0) {
            for (Path p : rotated.reversed()) {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                    forward(ch, 0, ch.size(), (b, off, len) -> deliver(q, b, off, len, sink));
                } catch (NoSuchFileException e) {
                    // rotated away meanwhile
                }
            }
            if (current != null) forward(current, 0, end, (b, off, len) -> deliver(q, b, off, len, sink));
            return;
        }
        Deque<LogEntry> last = new ArrayDeque<>();
        boolean[] done = {false};
        Lines collect = (b, off, len) -> {
            LogEntry e = JsonLog.decode(b, off, len);
            if (e == null) return true;
            if (q.since() != null && e.time().isBefore(q.since())) {
                done[0] = true; // older ones are older still
                return false;
            }
            if (q.wants(e)) last.addFirst(e);
            done[0] = last.size() >= q.tail();
            return !done[0];
        };
        if (current != null) backward(current, end, collect);
        for (Path p : rotated) {
            if (done[0]) break;
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                backward(ch, ch.size(), collect);
            } catch (NoSuchFileException e) {
                // rotated away meanwhile
            }
        }
        for (LogEntry e : last) sink.accept(e);
    }

    /** json.log.1, json.log.2, ...: newest first. */
    private List<Path> rotated() {
        List<Path> out = new ArrayList<>();
        for (int i = 1; ; i++) {
            Path p = dir.resolve(JsonLog.FILE + "." + i);
            if (!Files.exists(p)) return out;
            out.add(p);
        }
    }

    private static boolean deliver(LogQuery q, byte[] b, int off, int len, LogSink sink) throws IOException {
        LogEntry e = JsonLog.decode(b, off, len);
        if (e != null && q.wants(e)) sink.accept(e);
        return true;
    }

    private static FileChannel open(Path p) throws IOException {
        try {
            return FileChannel.open(p, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static Object key(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Hands each complete line of ch[pos, end) to fn (without its newline); returns the offset after the last one. */
    static long forward(FileChannel ch, long pos, long end, Lines fn) throws IOException {
        byte[] buf = new byte[BLOCK];
        int have = 0;
        while (pos + have < end) {
            if (have == buf.length) buf = Arrays.copyOf(buf, buf.length * 2); // a line longer than the buffer
            ByteBuffer bb = ByteBuffer.wrap(buf, have, (int) Math.min(buf.length - have, end - pos - have));
            int n = ch.read(bb, pos + have);
            if (n <= 0) break;
            have += n;
            int start = 0;
            for (int i = 0; i < have; i++) {
                if (buf[i] == '\n') {
                    if (!fn.accept(buf, start, i - start)) return pos + i + 1;
                    start = i + 1;
                }
            }
            System.arraycopy(buf, start, buf, 0, have - start);
            have -= start;
            pos += start;
        }
        return pos;
    }

    /** Hands the complete lines of ch[0, end) to fn from the last to the first, until it returns false. */
    static void backward(FileChannel ch, long end, Lines fn) throws IOException {
        byte[] carry = new byte[0];
        long pos = end;
        boolean seenNewline = false;
        while (pos > 0) {
            int n = (int) Math.min(BLOCK, pos);
            pos -= n;
            byte[] buf = new byte[n + carry.length];
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
            while (bb.hasRemaining()) {
                if (ch.read(bb, pos + bb.position()) < 0) throw new IOException("file shrank while read");
            }
            System.arraycopy(carry, 0, buf, n, carry.length);
            int e = buf.length;
            if (!seenNewline) { // an unterminated last line is still being written
                int last = lastNewline(buf, buf.length - 1);
                if (last < 0) {
                    carry = buf;
                    continue;
                }
                e = last + 1;
                seenNewline = true;
            }
            for (;;) {
                int nl = lastNewline(buf, e - 2);
                if (nl < 0) break;
                if (!fn.accept(buf, nl + 1, e - 1 - (nl + 1))) return;
                e = nl + 1;
            }
            carry = Arrays.copyOf(buf, e);
        }
        if (seenNewline && carry.length > 0) fn.accept(carry, 0, carry.length - 1);
    }

    private static int lastNewline(byte[] b, int from) {
        for (int i = from; i >= 0; i--) if (b[i] == '\n') return i;
        return -1;
    }
}
