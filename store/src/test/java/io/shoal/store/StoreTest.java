package io.shoal.store;

import static io.shoal.store.Fixtures.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shoal.api.ApiException;
import io.shoal.api.Task;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Writes through {@link Store} against a {@link DirectProposer}: one batch per update, chunks for large passes. */
class StoreTest {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00.000000123Z");

    final MemoryStore memory = new MemoryStore();
    final DirectProposer direct = new DirectProposer(memory);
    /** The number of changes in each batch proposed, in order. */
    final List<Integer> proposed = new ArrayList<>();
    final Store store = new Store(memory, b -> {
        proposed.add(b.changes().size());
        return direct.propose(b);
    }, Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void anUpdateCommitsOneBatchStampedByTheClockAndIsReadBackAtOnce() {
        store.update(tx -> {
            tx.create(task("t1", "s1", null, 0));
            tx.create(task("t2", "s1", null, 0));
            return null;
        });
        assertEquals(List.of(2), proposed);
        Task t1 = store.view(r -> r.task("t1"));
        assertEquals(1, t1.version().index());
        assertEquals(NOW, t1.updatedAt());

        store.update(tx -> tx.task("t1"));
        assertEquals(List.of(2), proposed, "a transaction that wrote nothing proposes nothing");
    }

    @Test
    void aRefusedUpdateThrowsTheStoresRefusal() {
        store.update(tx -> { tx.create(task("t1", "s1", null, 0)); return null; });
        Task stale = store.view(r -> r.task("t1"));
        store.update(tx -> { tx.update(stale.withNodeId("n1")); return null; });
        ApiException refused = assertThrows(ApiException.class,
                () -> store.update(tx -> { tx.update(stale.withNodeId("n2")); return null; }));
        assertEquals(409, refused.status());
        assertEquals("update out of sequence", refused.getMessage());
        assertEquals("n1", store.view(r -> r.task("t1")).nodeId());
    }

    @Test
    void aLargePassCommitsInChunksOfTheMaximumBatchSize() {
        int n = 2 * Store.MAX_CHANGES_PER_BATCH + 50;
        store.batch(b -> {
            for (int i = 0; i < n; i++) {
                Task t = task("t" + i, "s1", null, 0);
                b.update(tx -> tx.create(t));
            }
        });
        assertEquals(List.of(Store.MAX_CHANGES_PER_BATCH, Store.MAX_CHANGES_PER_BATCH, 50), proposed);
        assertEquals(n, store.view(r -> r.tasksOfService("s1")).size());
        assertEquals(3, memory.appliedIndex());
    }

    @Test
    void aRefusedChunkLeavesTheOthersAppliedAndItsRefusalIsThrownAtTheEnd() {
        store.update(tx -> { tx.create(task("t250", "other", null, 0)); return null; });
        int n = 2 * Store.MAX_CHANGES_PER_BATCH + 50;
        ApiException refused = assertThrows(ApiException.class, () -> store.batch(b -> {
            for (int i = 0; i < n; i++) {
                Task t = task("t" + i, "s1", null, 0);
                b.update(tx -> tx.create(t));
            }
        }));
        assertEquals(409, refused.status());
        assertEquals("task t250 already exists", refused.getMessage());
        assertEquals(List.of(1, Store.MAX_CHANGES_PER_BATCH, Store.MAX_CHANGES_PER_BATCH, 50), proposed);
        assertNotNull(store.view(r -> r.task("t0")), "the chunk before the refused one");
        assertNull(store.view(r -> r.task("t200")), "a change of the refused chunk");
        assertNotNull(store.view(r -> r.task("t449")), "the chunk after the refused one");
        assertEquals(Store.MAX_CHANGES_PER_BATCH + 50, store.view(r -> r.tasksOfService("s1")).size());
    }
}
