package io.shoal.store;

import static io.shoal.store.Fixtures.batch;
import static io.shoal.store.Fixtures.create;
import static io.shoal.store.Fixtures.service;
import static io.shoal.store.Fixtures.task;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A write transaction reads its own pending writes and folds several writes of one object into one change. */
class TxTest {
    final MemoryStore memory = new MemoryStore();

    TxTest() {
        memory.apply(1, List.of(batch(
                create(service("s1", "web")),
                create(task("t1", "s1", "n1", 0)),
                create(task("t2", "s1", "n1", 0)))));
    }

    Tx tx() {
        return new Tx(memory.view(r -> r));
    }

    static Set<String> ids(List<? extends StoredObject> objects) {
        return objects.stream().map(StoredObject::id).collect(Collectors.toSet());
    }

    @Test
    void readsSeeTheTransactionsOwnWrites() {
        Tx tx = tx();
        Service web = tx.service("s1");
        tx.update(web.withSpec(service("x", "web2").spec(), web.spec()));
        tx.create(service("s2", "db"));
        tx.delete(tx.task("t2"));

        assertEquals("web2", tx.service("s1").spec().name());
        assertEquals("db", tx.service("s2").spec().name());
        assertNull(tx.task("t2"));
        assertEquals(Set.of("s1", "s2"), ids(tx.services()));
        assertEquals("web2", tx.services().stream().filter(s -> s.id().equals("s1")).findFirst().orElseThrow().spec().name());
        assertEquals(Set.of("t1"), ids(tx.tasks()));
        assertEquals("s1", tx.<Service>byName(Kind.SERVICE, "web2").id());
        assertNull(tx.byName(Kind.SERVICE, "web"), "the old name still finds the renamed service");
        assertEquals(Set.of("t1"), ids(tx.tasksOfService("s1")));

        // The store itself is untouched until the batch is applied.
        assertEquals("web", memory.view(r -> r.service("s1")).spec().name());
        assertEquals(2, memory.view(r -> r.tasks()).size());
    }

    @Test
    void aTaskMovesBetweenTheIndexesInsideTheTransaction() {
        Tx tx = tx();
        tx.update(tx.task("t1").withNodeId("n2"));
        tx.create(task("t3", "s2", "n2", 0));

        assertEquals(Set.of("t2"), ids(tx.tasksOfNode("n1")));
        assertEquals(Set.of("t1", "t3"), ids(tx.tasksOfNode("n2")));
        assertEquals("n2", tx.tasksOfService("s1").stream().filter(t -> t.id().equals("t1")).findFirst().orElseThrow().nodeId());
        assertEquals(Set.of("t3"), ids(tx.tasksOfService("s2")));

        tx.delete(tx.task("t1"));
        assertEquals(Set.of("t3"), ids(tx.tasksOfNode("n2")));
        assertEquals(Set.of("t2"), ids(tx.tasksOfService("s1")));
    }

    @Test
    void createThenUpdateStaysACreate() {
        Tx tx = tx();
        Task t = task("t3", "s1", null, 0);
        tx.create(t);
        tx.update(t.withNodeId("n2"));
        List<Change> changes = tx.changes();
        assertEquals(1, changes.size());
        assertEquals(Change.Op.CREATE, changes.getFirst().op());
        assertEquals("n2", ((Task) changes.getFirst().object()).nodeId());

        assertNull(memory.apply(2, List.of(new Batch(Fixtures.AT, changes))).getFirst());
        assertEquals("n2", memory.view(r -> r.task("t3")).nodeId());
    }

    @Test
    void createThenDeleteLeavesNothing() {
        Tx tx = tx();
        Task t = task("t3", "s1", null, 0);
        tx.create(t);
        tx.delete(t);
        assertTrue(tx.isEmpty());
        assertNull(tx.task("t3"));
        assertEquals(Set.of("t1", "t2"), ids(tx.tasksOfService("s1")));
    }

    @Test
    void updateThenDeleteIsADeleteBasedOnTheVersionRead() {
        Tx tx = tx();
        Task t = tx.task("t1");
        tx.update(t.withNodeId("n2"));
        tx.delete(t);
        assertEquals(List.of(new Change(Change.Op.DELETE, t, 1)), tx.changes());
    }
}
