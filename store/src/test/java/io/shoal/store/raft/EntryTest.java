package io.shoal.store.raft;

import static io.shoal.store.Fixtures.assertUnreadable;
import static io.shoal.store.Fixtures.batch;
import static io.shoal.store.Fixtures.create;
import static io.shoal.store.Fixtures.service;
import static io.shoal.store.Fixtures.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shoal.api.ApiException;
import io.shoal.store.Batch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An entry's content (length-prefixed batches) and its reply (one verdict per batch). */
class EntryTest {
    final List<Batch> batches = List.of(
            batch(create(service("s1", "web"))),
            batch(create(task("t1", "s1", null, 0)), create(task("t2", "s1", "n1", 0))),
            batch(create(service("s2", "db"))));
    final byte[] content = Entry.encode(batches.stream().map(Batch::encode).toList());

    @Test
    void batchesRoundTripInOrder() throws IOException {
        List<Batch> back = Entry.decode(content);
        assertEquals(3, back.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(batches.get(i).at(), back.get(i).at());
            assertEquals(batches.get(i).changes(), back.get(i).changes());
        }
        assertEquals(List.of(), Entry.decode(Entry.encode(List.of())));
    }

    /** Every cut of an entry is refused as unreadable, never read as its first batches. */
    @Test
    void aTruncatedEntryIsRefused() {
        for (int length = 0; length < content.length; length++) {
            int cut = length;
            assertRefused(Arrays.copyOf(content, cut), "cut at " + cut);
        }
    }

    @Test
    void anEntryWithADamagedCountOrLengthIsRefused() {
        assertRefused(withInt(0, 4), "a count above the batches there are");
        assertRefused(withInt(0, 2), "a count below the batches there are");
        assertRefused(withInt(0, -1), "a negative count");
        assertRefused(withInt(4, 1 << 30), "a length past the end");
        assertRefused(withInt(4, -5), "a negative length");
        assertRefused(withInt(4, ByteBuffer.wrap(content).getInt(4) - 1), "a length one short");
    }

    /** The content with the 4 bytes at {@code offset} replaced by {@code value}. */
    byte[] withInt(int offset, int value) {
        byte[] damaged = content.clone();
        ByteBuffer.wrap(damaged).putInt(offset, value);
        return damaged;
    }

    static void assertRefused(byte[] entry, String what) {
        assertUnreadable(() -> Entry.decode(entry), what);
    }

    @Test
    void verdictsRoundTripWithTheRefusalsStatusAndMessage() {
        List<String> verdicts = List.of(
                Entry.verdict(null),
                Entry.verdict(ApiException.conflict("update out of sequence")),
                Entry.verdict(ApiException.notFound("task %s not found", "t1")));
        assertEquals(List.of("OK", "ERR 409 update out of sequence", "ERR 404 task t1 not found"), verdicts);
        List<String> back = Entry.verdicts(Entry.reply(verdicts));
        assertEquals(verdicts, back);

        assertNull(Entry.refusal(back.get(0)));
        ApiException conflict = Entry.refusal(back.get(1));
        assertEquals(409, conflict.status());
        assertEquals("update out of sequence", conflict.getMessage());
        assertEquals(404, Entry.refusal(back.get(2)).status());
        assertEquals("task t1 not found", Entry.refusal(back.get(2)).getMessage());
    }

    @Test
    void aVeryLongVerdictIsCutRatherThanLost() {
        String verdict = Entry.verdict(ApiException.invalid("é".repeat(30_000)));
        List<String> back = Entry.verdicts(Entry.reply(List.of(verdict, "OK")));
        assertEquals(2, back.size());
        assertEquals(verdict.substring(0, 8192), back.getFirst());
        assertEquals(400, Entry.refusal(back.getFirst()).status());
        assertEquals("OK", back.get(1));
    }
}
