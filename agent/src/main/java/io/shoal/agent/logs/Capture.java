package io.shoal.agent.logs;

import io.shoal.common.FileTrees;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.shoal.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;

/**
 * The capture of one task: turns the new lines of its raw {@code stdout.log} and {@code
 * stderr.log} into json-file lines, rotates {@code json.log}, and truncates the raw files once
 * they are consumed. Only the collector's thread touches it, under its monitor.
 *
 * <p>Restart safety: {@code logs.state} records, after each write, how far each raw file was
 * consumed and how long {@code json.log} then was. A capture that starts again cuts json.log back
 * to that length and reads on from those offsets, so a line is neither lost nor written twice
 * (a partial line, held in memory, is simply read again). Around a rotation the state is saved
 * before the rename and again after it.
 *
 * <p>Raw files: the executors open them with {@code >}, not {@code >>}, so after a truncation a
 * writer without O_APPEND goes on at its old offset, leaving a hole of zeros before its next
 * bytes, while an O_APPEND writer starts again at 0. The first byte after a truncation tells
 * which (a hole reads as zero), and reading goes on at the right place for either.
 */
final class Capture {
    static final String STATE = "logs.state";

    private final String taskId;
    private final Path dir;
    private final LogOptions options;
    private final long truncateAt;
    private final Clock clock;
    private final Raw out;
    private final Raw err;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private FileChannel json;
    private long jsonSize;
    private Instant last;
    volatile boolean ending;
    /** Rounds in a row that found nothing new; the collector looks at a long-idle task less often. */
    int idleRounds;
    private boolean closed;

    /** On disk: offsets of the raw files, json.log's length, the last time given to a line. */
    record State(@JsonProperty("Stdout") RawState stdout, @JsonProperty("Stderr") RawState stderr,
                 @JsonProperty("JsonSize") long jsonSize, @JsonProperty("Last") Instant last) {}

    record RawState(@JsonProperty("Offset") long offset, @JsonProperty("Base") long base,
                    @JsonProperty("Truncated") boolean truncated) {}

    /** One raw file: how far it is in json.log, and the partial line read past that. */
    private static final class Raw {
        final LogStream stream;
        final Path path;
        final java.io.File file; // File.length: one stat, and no exception for a file not there yet
        long consumed;
        long base; // where the file's bytes start: 0, or the offset of the last truncation while a hole is left
        boolean truncated;
        boolean skipHole;
        final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        Raw(LogStream stream, Path path) {
            this.stream = stream;
            this.path = path;
            this.file = path.toFile();
        }

        void load(RawState s) {
            consumed = s.offset();
            base = s.base();
            truncated = s.truncated();
        }

        RawState state() {
            return new RawState(consumed, base, truncated);
        }
    }

    Capture(String taskId, Path dir, LogOptions options, long truncateAt, Clock clock) throws IOException {
        this.taskId = taskId;
        this.dir = dir;
        this.options = options;
        this.truncateAt = truncateAt;
        this.clock = clock;
        this.out = new Raw(LogStream.STDOUT, dir.resolve("stdout.log"));
        this.err = new Raw(LogStream.STDERR, dir.resolve("stderr.log"));
        Path jsonPath = dir.resolve(JsonLog.FILE);
        json = FileChannel.open(jsonPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        jsonSize = json.size();
        Path statePath = dir.resolve(STATE);
        if (Files.exists(statePath)) {
            State s = Json.MAPPER.readValue(statePath.toFile(), State.class);
            out.load(s.stdout());
            err.load(s.stderr());
            last = s.last();
            if (jsonSize > s.jsonSize()) {
                json.truncate(s.jsonSize()); // lines written after the last save are read again
                jsonSize = s.jsonSize();
            }
        }
        json.position(jsonSize);
    }

    String taskId() {
        return taskId;
    }

    Path dir() {
        return dir;
    }

    /**
     * One round: moves up to {@code budget} new bytes of each raw file into json.log; on the
     * last round, after the container ended, a trailing unterminated line too. Returns the
     * number of raw bytes read.
     */
    long poll(long budget, boolean last) throws IOException {
        if (closed) return 0;
        long read = read(out, budget, last) + read(err, budget, last);
        if (read > 0 || pending.size() > 0) {
            flush();
            saveState();
        }
        truncateIfConsumed(out);
        truncateIfConsumed(err);
        return read;
    }

    void close() {
        closed = true;
        try {
            json.close();
        } catch (IOException e) {
            // nothing more to write
        }
    }

    private long read(Raw raw, long budget, boolean last) throws IOException {
        long size = raw.file.length();
        if (raw.truncated) {
            if (size == 0) return 0;
            try (FileChannel ch = FileChannel.open(raw.path, StandardOpenOption.READ)) {
                ByteBuffer first = ByteBuffer.allocate(1);
                ch.read(first, 0);
                if (first.get(0) != 0) raw.consumed = 0; // an O_APPEND writer: its bytes start at 0
                raw.base = raw.consumed;
            }
            raw.truncated = false;
            raw.skipHole = true;
        }
        long pos = raw.consumed + raw.partial.size();
        if (size < pos) { // replaced or truncated by someone else: start over
            raw.consumed = 0;
            raw.base = 0;
            raw.partial.reset();
            pos = 0;
        }
        long total = 0;
        if (size > pos) {
            try (FileChannel ch = FileChannel.open(raw.path, StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(64 * 1024, Math.max(1, Math.min(budget, size - pos))));
                while (total < budget && pos < size) {
                    buf.clear();
                    if (buf.remaining() > size - pos) buf.limit((int) (size - pos));
                    int n = ch.read(buf, pos);
                    if (n <= 0) break;
                    consume(raw, buf.array(), n);
                    pos += n;
                    total += n;
                }
            }
        }
        if (last && pos >= size && raw.partial.size() > 0) emit(raw, raw.partial.toByteArray(), raw.partial.size());
        return total;
    }

    private void consume(Raw raw, byte[] b, int n) throws IOException {
        int start = 0;
        if (raw.skipHole) {
            while (start < n && b[start] == 0) start++;
            raw.consumed += start; // bytes lost in a truncation race read back as zeros
            if (start < n) raw.skipHole = false;
        }
        for (int i = start; i < n; i++) {
            if (b[i] == '\n') {
                raw.partial.write(b, start, i + 1 - start);
                emit(raw, raw.partial.toByteArray(), raw.partial.size());
                start = i + 1;
            } else if (raw.partial.size() + (i + 1 - start) >= JsonLog.MAX_LINE) {
                raw.partial.write(b, start, i + 1 - start);
                emit(raw, raw.partial.toByteArray(), raw.partial.size());
                start = i + 1;
            }
        }
        raw.partial.write(b, start, n - start);
    }

    /** Appends one line to json.log (buffered), rotating first if it would not fit. */
    private void emit(Raw raw, byte[] line, int len) throws IOException {
        Instant now = clock.instant();
        Instant t = last == null || now.isAfter(last) ? now : last.plusNanos(1);
        last = t;
        byte[] entry = JsonLog.encode(new LogEntry(t, raw.stream, new String(line, 0, len, StandardCharsets.UTF_8)));
        long size = jsonSize + pending.size();
        if (options.maxSize() > 0 && size > 0 && size + entry.length > options.maxSize()) rotate();
        pending.write(entry);
        raw.consumed += len;
        raw.partial.reset();
    }

    private void flush() throws IOException {
        if (pending.size() == 0) return;
        ByteBuffer b = ByteBuffer.wrap(pending.toByteArray());
        while (b.hasRemaining()) json.write(b);
        jsonSize += pending.size();
        pending.reset();
    }

    private void rotate() throws IOException {
        flush();
        saveState();
        if (options.maxFile() > 1) {
            Files.deleteIfExists(dir.resolve(JsonLog.FILE + "." + (options.maxFile() - 1)));
            for (int i = options.maxFile() - 2; i >= 1; i--) {
                Path from = dir.resolve(JsonLog.FILE + "." + i);
                if (Files.exists(from)) Files.move(from, dir.resolve(JsonLog.FILE + "." + (i + 1)));
            }
            json.close();
            Files.move(dir.resolve(JsonLog.FILE), dir.resolve(JsonLog.FILE + ".1"));
            json = FileChannel.open(dir.resolve(JsonLog.FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } else {
            json.truncate(0);
            json.position(0);
        }
        jsonSize = 0;
        saveState();
    }

    /**
     * Cuts a raw file back to nothing once more than the threshold of it is in json.log and
     * nothing is left to read; the file's length is checked just before, so at most what the
     * container writes in between is lost.
     */
    private void truncateIfConsumed(Raw raw) throws IOException {
        if (raw.consumed - raw.base < truncateAt || raw.partial.size() > 0 || raw.truncated) return;
        try (FileChannel ch = FileChannel.open(raw.path, StandardOpenOption.WRITE)) {
            if (ch.size() != raw.consumed) return;
            ch.truncate(0);
        } catch (NoSuchFileException e) {
            return;
        }
        raw.truncated = true;
        saveState();
    }

    /**
     * Replaced atomically, but not flushed to disk ({@link FileTrees#replace}): it is
     * saved every round that moved output, for every task that writes some, on the one thread that
     * captures every task (a flush cost 0.25 ms here when idle, up to 5–7 ms with the disk busy),
     * and json.log itself is not flushed either.
     */
    private void saveState() throws IOException {
        State s = new State(out.state(), err.state(), jsonSize, last);
        FileTrees.replace(dir.resolve(STATE), Json.MAPPER.writeValueAsBytes(s));
    }
}
