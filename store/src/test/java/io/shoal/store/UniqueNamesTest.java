package io.shoal.store;

import static io.shoal.store.Fixtures.batch;
import static io.shoal.store.Fixtures.create;
import static io.shoal.store.Fixtures.delete;
import static io.shoal.store.Fixtures.named;
import static io.shoal.store.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shoal.api.ApiException;
import io.shoal.api.StoredObject;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Services, networks, secrets and configs have unique names; nodes, tasks and the cluster do not. */
class UniqueNamesTest {
    final MemoryStore memory = new MemoryStore();
    long index;

    ApiException apply(Change... changes) {
        return memory.apply(++index, List.of(batch(changes))).getFirst();
    }

    StoredObject get(Kind kind, String id) {
        return memory.view(r -> r.get(kind, id));
    }

    /** The id of the object that holds {@code name}, or null. */
    String owner(Kind kind, String name) {
        StoredObject o = memory.view(r -> r.byName(kind, name));
        return o == null ? null : o.id();
    }

    /** Object {@code id} renamed, based on the version it has in the store. */
    StoredObject renamed(Kind kind, String id, String name) {
        return named(kind, id, name, get(kind, id).version().index());
    }

    @ParameterizedTest
    @EnumSource(names = {"SERVICE", "NETWORK", "SECRET", "CONFIG"})
    void aSecondObjectWithATakenNameIsRefused(Kind kind) {
        assertNull(apply(create(named(kind, "a", "web", 0))));
        ApiException refused = apply(create(named(kind, "b", "web", 0)));
        assertEquals(409, refused.status());
        assertEquals("name conflicts with an existing object: " + kind.wireName() + " web already exists", refused.getMessage());
        assertNull(get(kind, "b"));

        assertNull(apply(create(named(kind, "b", "db", 0))));
        assertEquals(409, apply(update(renamed(kind, "b", "web"))).status(), "a rename to a taken name");
        assertEquals(409, apply(create(named(kind, "c", "cache", 0)), create(named(kind, "d", "cache", 0))).status(),
                "two creates of one name in one batch");
        assertNull(get(kind, "c"));
        assertNull(apply(update(renamed(kind, "a", "web"))), "an update that keeps its own name");
    }

    @ParameterizedTest
    @EnumSource(names = {"SERVICE", "NETWORK", "SECRET", "CONFIG"})
    void aRenameFreesTheOldNameInTheSameBatch(Kind kind) {
        assertNull(apply(create(named(kind, "a", "web", 0))));
        assertNull(apply(update(renamed(kind, "a", "web-old")), create(named(kind, "b", "web", 0))));
        assertEquals("b", owner(kind, "web"));
        assertEquals("a", owner(kind, "web-old"));
    }

    /**
     * A {@link Tx} folds every write of one object into one change, so a swap cannot go through a
     * temporary name (as it can in swarmkit): the batch must be checked as a whole.
     */
    @ParameterizedTest
    @EnumSource(names = {"SERVICE", "NETWORK", "SECRET", "CONFIG"})
    void twoObjectsSwapTheirNamesInOneBatch(Kind kind) {
        assertNull(apply(create(named(kind, "a", "x", 0)), create(named(kind, "b", "y", 0))));
        assertNull(apply(update(renamed(kind, "a", "y")), update(renamed(kind, "b", "x"))));
        assertEquals("b", owner(kind, "x"));
        assertEquals("a", owner(kind, "y"));
    }

    @ParameterizedTest
    @EnumSource(names = {"SERVICE", "NETWORK", "SECRET", "CONFIG"})
    void aDeleteFreesTheName(Kind kind) {
        assertNull(apply(create(named(kind, "a", "web", 0)), create(named(kind, "b", "db", 0))));
        assertNull(apply(delete(get(kind, "a")), create(named(kind, "c", "web", 0))), "in the same batch");
        assertEquals("c", owner(kind, "web"));
        assertNull(apply(delete(get(kind, "b"))));
        assertNull(owner(kind, "db"));
        assertNull(apply(create(named(kind, "d", "db", 0))), "in a later batch");
    }

    @ParameterizedTest
    @EnumSource(names = {"NODE", "TASK", "CLUSTER"})
    void nodesTasksAndTheClusterHaveNoUniqueNames(Kind kind) {
        assertNull(apply(create(named(kind, "a", "same", 0)), create(named(kind, "b", "same", 0))));
        assertNull(apply(create(named(kind, "c", "same", 0))));
        assertNotNull(get(kind, "c"));
    }
}
