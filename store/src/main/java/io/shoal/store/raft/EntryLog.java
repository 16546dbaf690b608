package io.shoal.store.raft;

import io.shoal.pki.DataKey;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The content of this manager's Raft entries, sealed with its {@link DataKey}. Ratis keeps only the
 * entries' index, term and framing in its own log; what each entry changes in the store lives here
 * (Ratis hands it over as "state machine data"), so nothing of the swarm's objects reaches the disk
 * in clear. Segment files {@code entries_<first index>} hold records {@code index ‖ length ‖ sealed}.
 */
final class EntryLog implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(EntryLog.class);
    private static final String PREFIX = "entries_";
    private static final int HEADER = Long.BYTES + Integer.BYTES;
    private static final long SEGMENT_BYTES = 8L << 20;

    private final Path dir;
    private final DataKey key;
    private final TreeMap<Long, Segment> segments = new TreeMap<>();
    private final TreeMap<Long, Record> records = new TreeMap<>();

    private record Record(Segment segment, long offset, int length) {}

    private static final class Segment {
        final long first;
        final Path file;
        final FileChannel channel;

        Segment(long first, Path file, FileChannel channel) {
            this.first = first;
            this.file = file;
            this.channel = channel;
        }
    }

    EntryLog(Path dir, DataKey key) throws IOException {
        this.dir = dir;
        this.key = key;
        Files.createDirectories(dir);
        List<Long> firsts = new ArrayList<>();
        try (var files = Files.list(dir)) {
            files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith(PREFIX))
                    .forEach(n -> firsts.add(Long.parseLong(n.substring(PREFIX.length()))));
        }
        firsts.sort(null);
        boolean damaged = false;
        for (long first : firsts) {
            Path file = dir.resolve(PREFIX + first);
            if (damaged) {
                Files.delete(file);
                continue;
            }
            Segment s = new Segment(first, file, FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE));
            segments.put(first, s);
            damaged = !scan(s);
        }
    }

    /** Indexes a segment's records; cuts off a torn tail (a crash while appending). False when it had to. */
    private boolean scan(Segment s) throws IOException {
        long size = s.channel.size();
        long at = 0;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (at < size) {
            header.clear();
            if (size - at < HEADER || s.channel.read(header, at) < HEADER) break;
            long index = header.getLong(0);
            int length = header.getInt(Long.BYTES);
            if (length < DataKey.OVERHEAD || at + HEADER + length > size || index <= lastIndex()) break;
            records.put(index, new Record(s, at + HEADER, length));
            at += HEADER + length;
        }
        if (at == size) return true;
        log.warn("{}: cutting a torn tail of {} bytes at offset {}", s.file, size - at, at);
        s.channel.truncate(at);
        return false;
    }

    /** Seals and appends an entry's content; an index at or below the last one replaces that entry and all after it. */
    synchronized void append(long index, byte[] content) throws IOException {
        if (index <= lastIndex()) truncate(index);
        byte[] sealed = key.seal(content, DataKey.indexBytes("entry", index));
        Segment s = segments.isEmpty() ? null : segments.lastEntry().getValue();
        if (s == null || s.channel.size() >= SEGMENT_BYTES) s = roll(index);
        long at = s.channel.size();
        ByteBuffer buf = ByteBuffer.allocate(HEADER + sealed.length).putLong(index).putInt(sealed.length).put(sealed).flip();
        while (buf.hasRemaining()) s.channel.write(buf, at + buf.position());
        records.put(index, new Record(s, at + HEADER, sealed.length));
    }

    private Segment roll(long first) throws IOException {
        if (!segments.isEmpty()) segments.lastEntry().getValue().channel.force(false);
        Path file = dir.resolve(PREFIX + first);
        Segment s = new Segment(first, file, FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.READ, StandardOpenOption.WRITE));
        segments.put(first, s);
        return s;
    }

    /** The content of the entry at {@code index}, or null when this log does not hold it. */
    synchronized byte[] get(long index) throws IOException {
        Record r = records.get(index);
        if (r == null) return null;
        ByteBuffer buf = ByteBuffer.allocate(r.length);
        while (buf.hasRemaining()) {
            if (r.segment.channel.read(buf, r.offset + buf.position()) < 0) throw new IOException("entry " + index + " cut short");
        }
        return key.open(buf.array(), DataKey.indexBytes("entry", index));
    }

    synchronized void flush() throws IOException {
        if (!segments.isEmpty()) segments.lastEntry().getValue().channel.force(false);
    }

    /** Drops the entries from {@code index} on, as Raft does when a new leader overrules them. */
    synchronized void truncate(long index) throws IOException {
        NavigableMap<Long, Record> dropped = records.tailMap(index, true);
        if (dropped.isEmpty()) return;
        Record first = dropped.firstEntry().getValue();
        for (Map.Entry<Long, Segment> e : List.copyOf(segments.tailMap(first.segment.first, false).entrySet())) {
            e.getValue().channel.close();
            Files.delete(e.getValue().file);
            segments.remove(e.getKey());
        }
        first.segment.channel.truncate(first.offset - HEADER);
        first.segment.channel.force(false);
        dropped.clear();
    }

    /** Deletes whole segments that hold only entries below {@code index} (Raft no longer needs them). */
    synchronized void purgeBelow(long index) throws IOException {
        while (segments.size() > 1) {
            Map.Entry<Long, Segment> oldest = segments.firstEntry();
            long nextFirst = segments.higherKey(oldest.getKey());
            if (nextFirst > index) return;
            oldest.getValue().channel.close();
            Files.delete(oldest.getValue().file);
            segments.remove(oldest.getKey());
            records.headMap(nextFirst, false).clear();
        }
    }

    /** Starts the next append in a new segment, so the current one can be purged once a snapshot covers it. */
    synchronized void rollOnNextAppend() throws IOException {
        if (segments.isEmpty() || segments.lastEntry().getValue().channel.size() == 0) return;
        long next = lastIndex() + 1;
        if (!segments.containsKey(next)) roll(next);
    }

    synchronized long lastIndex() {
        return records.isEmpty() ? -1 : records.lastKey();
    }

    @Override
    public synchronized void close() throws IOException {
        for (Segment s : segments.values()) s.channel.close();
    }
}
