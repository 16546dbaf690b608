package io.shoal.store;

import static io.shoal.store.Fixtures.batch;
import static io.shoal.store.Fixtures.create;
import static io.shoal.store.Fixtures.delete;
import static io.shoal.store.Fixtures.named;
import static io.shoal.store.Fixtures.service;
import static io.shoal.store.Fixtures.task;
import static io.shoal.store.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shoal.api.ApiException;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link MemoryStore#apply}: versions, refusals, and what a refused batch leaves behind (nothing). */
class MemoryStoreTest {
    final MemoryStore memory = new MemoryStore();
    final List<Event> events = new ArrayList<>();

    MemoryStoreTest() {
        memory.addListener(events::addAll);
    }

    /** Applies one batch as the entry at {@code index} and returns its refusal, or null. */
    ApiException apply(long index, Batch b) {
        return memory.apply(index, List.of(b)).getFirst();
    }

    <T extends StoredObject> T get(Kind kind, String id) {
        return memory.view(r -> r.get(kind, id));
    }

    @Test
    void anAppliedBatchStampsEveryObjectWithItsEntrysIndexAndItsTime() {
        Instant created = Instant.parse("2025-03-01T10:00:00.000000001Z");
        Instant updated = Instant.parse("2025-03-01T10:00:05.5Z");
        assertNull(apply(7, new Batch(created, List.of(create(service("s1", "web")), create(task("t1", "s1", null, 0))))));
        Service s = get(Kind.SERVICE, "s1");
        Task t = get(Kind.TASK, "t1");
        assertEquals(7, s.version().index());
        assertEquals(7, t.version().index());
        assertEquals(created, s.createdAt());
        assertEquals(created, s.updatedAt());
        assertEquals(created, t.createdAt());
        assertEquals(7, memory.appliedIndex());

        assertNull(apply(9, new Batch(updated, List.of(update(s)))));
        Service after = get(Kind.SERVICE, "s1");
        assertEquals(9, after.version().index());
        assertEquals(created, after.createdAt(), "an update keeps the creation time");
        assertEquals(updated, after.updatedAt());
        assertEquals(7, get(Kind.TASK, "t1").version().index(), "an object the batch did not touch keeps its version");
    }

    @Test
    void anUpdateBasedOnAStaleVersionRefusesTheWholeBatch() {
        assertNull(apply(1, batch(create(service("s1", "web")))));
        Service v1 = get(Kind.SERVICE, "s1");
        assertNull(apply(2, batch(update(v1))));
        events.clear();

        ApiException refused = apply(3, batch(create(task("t1", "s1", null, 0)), update(named(Kind.SERVICE, "s1", "renamed", 1))));
        assertEquals(409, refused.status());
        assertEquals("update out of sequence", refused.getMessage());
        assertNull(get(Kind.TASK, "t1"), "a change before the stale one was applied");
        assertEquals("web", ((Service) get(Kind.SERVICE, "s1")).spec().name());
        assertEquals(2, get(Kind.SERVICE, "s1").version().index());
        assertEquals(List.of(), events);
        assertEquals(3, memory.appliedIndex(), "a refused entry still consumes its index");
    }

    @Test
    void aDeleteBasedOnAStaleVersionRefusesTheWholeBatch() {
        assertNull(apply(1, batch(create(service("s1", "web")), create(service("s2", "db")))));
        assertNull(apply(2, batch(update(get(Kind.SERVICE, "s1")))));
        events.clear();

        ApiException refused = apply(3, batch(delete(get(Kind.SERVICE, "s2")), delete(named(Kind.SERVICE, "s1", "web", 1))));
        assertEquals(409, refused.status());
        assertEquals("update out of sequence", refused.getMessage());
        assertNotNull(get(Kind.SERVICE, "s1"));
        assertNotNull(get(Kind.SERVICE, "s2"), "a delete before the stale one was applied");
        assertEquals(List.of(), events);
    }

    @Test
    void aCreateOfAnExistingIdIsRefused() {
        assertNull(apply(1, batch(create(task("t1", "s1", "n1", 0)))));
        ApiException refused = apply(2, batch(create(task("t1", "s2", "n2", 0))));
        assertEquals(409, refused.status());
        assertEquals("task t1 already exists", refused.getMessage());
        assertEquals("s1", ((Task) get(Kind.TASK, "t1")).serviceId());
    }

    @Test
    void anUpdateOrDeleteOfAMissingObjectIsRefused() {
        ApiException update = apply(1, batch(update(task("t1", "s1", "n1", 0))));
        assertEquals(404, update.status());
        assertEquals("task t1 not found", update.getMessage());
        ApiException delete = apply(2, batch(delete(named(Kind.NODE, "n1", "node-1", 0))));
        assertEquals(404, delete.status());
        assertEquals("node n1 not found", delete.getMessage());
        assertNull(get(Kind.TASK, "t1"));
        assertEquals(List.of(), events);
    }

    @Test
    void eachBatchOfAnEntryIsAppliedOrRefusedAlone() {
        assertNull(apply(1, batch(create(service("s1", "web")))));
        events.clear();
        List<ApiException> verdicts = memory.apply(2, List.of(
                batch(create(task("t1", "s1", null, 0))),
                batch(create(service("s1", "again"))),
                batch(delete(get(Kind.SERVICE, "s1")))));
        assertNull(verdicts.get(0));
        assertEquals(409, verdicts.get(1).status());
        assertNull(verdicts.get(2));
        assertNotNull(get(Kind.TASK, "t1"));
        assertNull(get(Kind.SERVICE, "s1"));
        assertEquals(List.of(Change.Op.CREATE, Change.Op.DELETE), events.stream().map(Event::op).toList());
        assertEquals(List.of(2L, 2L), events.stream().map(Event::index).toList());
    }

    @Test
    void eventsCarryTheObjectBeforeAndAfter() {
        assertNull(apply(1, batch(create(task("t1", "s1", null, 0)))));
        Task created = get(Kind.TASK, "t1");
        assertNull(apply(2, batch(update(created.withNodeId("n1")))));
        Task assigned = get(Kind.TASK, "t1");
        assertNull(apply(3, batch(delete(assigned))));
        assertEquals(3, events.size());
        assertNull(events.get(0).before());
        assertEquals(created, events.get(0).after());
        assertEquals(created, events.get(1).before());
        assertEquals(assigned, events.get(1).after());
        assertEquals(assigned, events.get(2).before());
        assertNull(events.get(2).after());
        assertEquals(assigned, events.get(2).object());
    }

    @Test
    void theTaskIndexesFollowATaskThatMovesAndGoesAway() {
        assertNull(apply(1, batch(create(task("t1", "s1", "n1", 0)))));
        assertNull(apply(2, batch(update(((Task) get(Kind.TASK, "t1")).withNodeId("n2")))));
        assertEquals(List.of(), memory.view(r -> r.tasksOfNode("n1")));
        assertEquals(List.of("t1"), memory.view(r -> r.tasksOfNode("n2")).stream().map(Task::id).toList());
        assertNull(apply(3, batch(delete(get(Kind.TASK, "t1")))));
        assertEquals(List.of(), memory.view(r -> r.tasksOfNode("n2")));
        assertEquals(List.of(), memory.view(r -> r.tasksOfService("s1")));
    }
}
