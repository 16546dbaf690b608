package io.shoal.store.raft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.pki.DataKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sealed entry log on disk: what it gives back, and what it refuses to. */
class EntryLogTest {
    /** An index and a length before each sealed record. */
    static final int HEADER = Long.BYTES + Integer.BYTES;

    @TempDir
    Path dir;
    final DataKey key = DataKey.generate();

    static byte[] content(long index) {
        return ("entry " + index + " of the swarm").getBytes(StandardCharsets.UTF_8);
    }

    EntryLog open() throws IOException {
        return new EntryLog(dir, key);
    }

    /** A log holding entries {@code first..last}. */
    EntryLog withEntries(long first, long last) throws IOException {
        EntryLog log = open();
        for (long i = first; i <= last; i++) log.append(i, content(i));
        return log;
    }

    Path segment(long first) {
        return dir.resolve("entries_" + first);
    }

    List<String> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /** A log holding entries 1 and 2, 3 and 4, and 5, in three segments. */
    EntryLog inThreeSegments() throws IOException {
        EntryLog log = withEntries(1, 2);
        log.rollOnNextAppend();
        log.append(3, content(3));
        log.append(4, content(4));
        log.rollOnNextAppend();
        log.append(5, content(5));
        return log;
    }

    /** Where each record of a one-segment file starts. */
    static long recordAt(int record) {
        return (long) record * (HEADER + content(1).length + DataKey.OVERHEAD);
    }

    @Test
    void entriesReadBackAcrossAReopenAndNothingIsInClearOnDisk() throws IOException {
        try (EntryLog log = withEntries(1, 5)) {
            assertArrayEquals(content(3), log.get(3));
            assertNull(log.get(6));
            assertEquals(5, log.lastIndex());
            log.flush();
        }
        try (EntryLog log = open()) {
            assertEquals(5, log.lastIndex());
            for (long i = 1; i <= 5; i++) assertArrayEquals(content(i), log.get(i));
        }
        String onDisk = new String(Files.readAllBytes(segment(1)), StandardCharsets.ISO_8859_1);
        assertFalse(onDisk.contains("swarm"), "an entry's content is on disk in clear");
    }

    @Test
    void aFlippedByteOnDiskIsDetectedWhenRead() throws IOException {
        withEntries(1, 3).close();
        try (FileChannel f = FileChannel.open(segment(1), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long at = recordAt(1) + HEADER + 20;
            ByteBuffer b = ByteBuffer.allocate(1);
            f.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x01)).rewind();
            f.write(b, at);
        }
        try (EntryLog log = open()) {
            IOException e = assertThrows(IOException.class, () -> log.get(2));
            assertTrue(e.getMessage().startsWith("cannot decrypt"), e.getMessage());
            assertArrayEquals(content(1), log.get(1));
            assertArrayEquals(content(3), log.get(3));
        }
    }

    @Test
    void aLogOpenedWithAnotherKeyRefusesToRead() throws IOException {
        withEntries(1, 2).close();
        try (EntryLog log = new EntryLog(dir, DataKey.generate())) {
            assertEquals(2, log.lastIndex());
            IOException e = assertThrows(IOException.class, () -> log.get(1));
            assertTrue(e.getMessage().startsWith("cannot decrypt"), e.getMessage());
        }
    }

    /** The index is the sealed data's associated data: a record moved to another index does not open. */
    @Test
    void anEntryReadAtAnotherIndexIsRefused() throws IOException {
        withEntries(1, 3).close();
        int sealed = content(1).length + DataKey.OVERHEAD;
        try (FileChannel f = FileChannel.open(segment(1), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer first = ByteBuffer.allocate(sealed);
            ByteBuffer second = ByteBuffer.allocate(sealed);
            f.read(first, recordAt(0) + HEADER);
            f.read(second, recordAt(1) + HEADER);
            f.write(second.flip(), recordAt(0) + HEADER);
            f.write(first.flip(), recordAt(1) + HEADER);
        }
        try (EntryLog log = open()) {
            assertThrows(IOException.class, () -> log.get(1));
            assertThrows(IOException.class, () -> log.get(2));
            assertArrayEquals(content(3), log.get(3));
        }
    }

    @Test
    void aTornTailIsCutOffOnOpenAndTheEarlierEntriesAreKept() throws IOException {
        withEntries(1, 3).close();
        long whole = Files.size(segment(1));
        try (FileChannel f = FileChannel.open(segment(1), StandardOpenOption.WRITE)) {
            f.truncate(whole - 5);
        }
        try (EntryLog log = open()) {
            assertEquals(2, log.lastIndex());
            assertArrayEquals(content(1), log.get(1));
            assertArrayEquals(content(2), log.get(2));
            assertNull(log.get(3));
            assertEquals(recordAt(2), Files.size(segment(1)), "the torn record is still on disk");
            log.append(3, content(33));
            assertArrayEquals(content(33), log.get(3));
        }
        try (EntryLog log = open()) {
            assertArrayEquals(content(33), log.get(3));
        }
    }

    @Test
    void aTornHeaderIsCutOffToo() throws IOException {
        withEntries(1, 2).close();
        try (FileChannel f = FileChannel.open(segment(1), StandardOpenOption.WRITE)) {
            f.truncate(recordAt(1) + HEADER - 3);
        }
        try (EntryLog log = open()) {
            assertEquals(1, log.lastIndex());
            assertEquals(recordAt(1), Files.size(segment(1)));
        }
    }

    /** Entries after a torn record would leave a hole in the log: the segments after it go too. */
    @Test
    void aTornRecordInAnEarlierSegmentDropsTheSegmentsAfterIt() throws IOException {
        try (EntryLog log = withEntries(1, 2)) {
            log.rollOnNextAppend();
            log.append(3, content(3));
        }
        assertEquals(List.of("entries_1", "entries_3"), segments());
        try (FileChannel f = FileChannel.open(segment(1), StandardOpenOption.WRITE)) {
            f.truncate(recordAt(1) + HEADER + 4);
        }
        try (EntryLog log = open()) {
            assertEquals(1, log.lastIndex());
            assertNull(log.get(3));
        }
        assertEquals(List.of("entries_1"), segments());
    }

    @Test
    void truncateDropsTheEntriesFromTheIndexOnAcrossSegments() throws IOException {
        try (EntryLog log = inThreeSegments()) {
            assertEquals(List.of("entries_1", "entries_3", "entries_5"), segments());

            log.truncate(4);
            assertEquals(3, log.lastIndex());
            assertNull(log.get(4));
            assertNull(log.get(5));
            assertArrayEquals(content(3), log.get(3));
            assertEquals(List.of("entries_1", "entries_3"), segments());

            log.truncate(9);
            assertEquals(3, log.lastIndex(), "a truncate past the end drops nothing");
            log.append(4, content(44));
        }
        try (EntryLog log = open()) {
            assertEquals(4, log.lastIndex());
            assertArrayEquals(content(44), log.get(4));
            assertArrayEquals(content(1), log.get(1));
        }
    }

    @Test
    void anAppendAtOrBelowTheLastIndexReplacesThatEntryAndAllAfterIt() throws IOException {
        try (EntryLog log = withEntries(1, 4)) {
            log.append(2, content(22));
            assertEquals(2, log.lastIndex());
            assertArrayEquals(content(22), log.get(2));
            assertNull(log.get(3));
        }
        try (EntryLog log = open()) {
            assertEquals(2, log.lastIndex());
            assertArrayEquals(content(22), log.get(2));
        }
    }

    @Test
    void purgeBelowDeletesOnlyWholeSegmentsBelowTheIndexAndNeverTheLast() throws IOException {
        try (EntryLog log = inThreeSegments()) {

            log.purgeBelow(4);
            assertEquals(List.of("entries_3", "entries_5"), segments(), "a segment that holds the index was purged");
            assertNull(log.get(1));
            assertArrayEquals(content(3), log.get(3));

            log.purgeBelow(100);
            assertEquals(List.of("entries_5"), segments());
            assertNull(log.get(4));
            assertArrayEquals(content(5), log.get(5));
            assertEquals(5, log.lastIndex());
            log.append(6, content(6));
        }
        try (EntryLog log = open()) {
            assertEquals(6, log.lastIndex());
            assertNull(log.get(4));
            assertArrayEquals(content(5), log.get(5));
        }
    }
}
