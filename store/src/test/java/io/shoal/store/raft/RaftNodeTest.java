package io.shoal.store.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Ids;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Version;
import io.shoal.pki.DataKey;
import io.shoal.store.MemoryStore;
import io.shoal.store.Store;
import io.shoal.testkit.DiskSearch;
import java.net.ServerSocket;
import java.util.List;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RaftNodeTest {
    @TempDir
    Path dir;

    public static int freePort() throws Exception {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public static Service service(String name) {
        var spec = new ServiceSpec(name, Map.of("env", "secret-value"), null,
                new io.shoal.api.ServiceMode.Replicated(2), null, null, null, null);
        return new Service(Ids.newId(), Version.NONE, null, null, spec, null, null, null, null, null);
    }

    @Test
    void writesAreAppliedRefusedOnStaleVersionAndSurviveRestart() throws Exception {
        String address = "127.0.0.1:" + freePort();
        String id = Ids.newId();
        Service web;
        long count = 300;
        DataKey key = DataKey.generate();
        {
            MemoryStore memory = new MemoryStore();
            CountDownLatch leader = new CountDownLatch(1);
            try (RaftNode raft = new RaftNode(dir.resolve("raft"), id, address, "127.0.0.1", "cluster1", memory, key,
                    StateSource.NONE, null, l -> { if (l) leader.countDown(); }, RaftNode.Start.BOOTSTRAP)) {
                assertTrue(leader.await(10, TimeUnit.SECONDS), "never became leader");
                Store store = new Store(memory, raft, Clock.systemUTC());
                web = service("web");
                store.update(tx -> { tx.create(web); return null; });
                Service stored = store.view(r -> r.service(web.id()));
                assertNotNull(stored);
                assertTrue(stored.version().index() > 0);
                assertNotNull(stored.createdAt());

                // A second update based on the version before the first one is refused, whole.
                store.update(tx -> { tx.update(stored.withSpec(stored.spec(), null)); return null; });
                var ex = assertThrows(ApiException.class,
                        () -> store.update(tx -> { tx.update(stored); tx.create(service("other")); return null; }));
                assertEquals("update out of sequence", ex.getMessage());
                Service other = store.view(r -> r.byName(io.shoal.store.Kind.SERVICE, "other"));
                assertTrue(other == null);

                var dup = assertThrows(ApiException.class, () -> store.update(tx -> { tx.create(service("web")); return null; }));
                assertEquals(409, dup.status());

                for (int i = 0; i < count; i++) {
                    Service s = service("svc" + i);
                    store.update(tx -> { tx.create(s); return null; });
                }
                raft.snapshot();
                store.update(tx -> { tx.create(service("last")); return null; });
            }
        }
        MemoryStore memory = new MemoryStore();
        CountDownLatch leader = new CountDownLatch(1);
        assertTrue(RaftNode.hasState(dir.resolve("raft"), "cluster1"));
        assertEquals(List.of(), DiskSearch.filesContaining(dir, "secret-value"), "the store's content is on disk in clear");
        assertEquals(List.of(), DiskSearch.filesContaining(dir, "svc299"), "the store's content is on disk in clear");
        // Read offline, as --force-new-cluster does: the snapshot and every entry after it.
        var recovered = RaftNode.recover(dir.resolve("raft"), "cluster1", key);
        assertEquals(count + 2, recovered.stream().filter(o -> o instanceof Service).count());
        // From the snapshot and the entries after it, decrypted with the same key.
        try (RaftNode raft = new RaftNode(dir.resolve("raft"), id, address, "127.0.0.1", "cluster1", memory, key,
                StateSource.NONE, null, l -> { if (l) leader.countDown(); }, RaftNode.Start.RESUME)) {
            assertTrue(leader.await(10, TimeUnit.SECONDS));
            assertEquals(count + 2, (long) memory.view(r -> r.services().size()));
            assertEquals(web.spec(), memory.view(r -> r.service(web.id())).spec());
        }
        // Another key opens nothing: the member refuses to start rather than come up empty.
        assertThrows(Exception.class, () -> new RaftNode(dir.resolve("raft"), id, address, "127.0.0.1", "cluster1", new MemoryStore(),
                DataKey.generate(), StateSource.NONE, null, l -> { }, RaftNode.Start.RESUME).close());
    }

    /**
     * Concurrent writers share entries, and each batch keeps its own verdict: in a burst of creates
     * where every name is wanted by two writers, exactly one of each pair wins, the other is refused
     * alone, and the burst takes fewer entries than writes.
     */
    @Test
    void concurrentWritesShareEntriesAndKeepTheirOwnVerdicts() throws Exception {
        MemoryStore memory = new MemoryStore();
        CountDownLatch leader = new CountDownLatch(1);
        try (RaftNode raft = new RaftNode(dir.resolve("raft"), Ids.newId(), "127.0.0.1:" + freePort(), "127.0.0.1", "cluster1", memory,
                DataKey.generate(), StateSource.NONE, null, l -> { if (l) leader.countDown(); }, RaftNode.Start.BOOTSTRAP)) {
            assertTrue(leader.await(10, TimeUnit.SECONDS), "never became leader");
            Store store = new Store(memory, raft, Clock.systemUTC());
            int names = 100;
            long before = memory.appliedIndex();
            java.util.concurrent.atomic.AtomicInteger created = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger conflicts = new java.util.concurrent.atomic.AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> writers = new java.util.ArrayList<>();
            for (int i = 0; i < 2 * names; i++) {
                Service s = service("svc" + (i % names));
                writers.add(Thread.ofVirtual().start(() -> {
                    try {
                        go.await();
                        store.update(tx -> { tx.create(s); return null; });
                        created.incrementAndGet();
                    } catch (ApiException e) {
                        if (e.status() == 409) conflicts.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            go.countDown();
            for (Thread t : writers) t.join();
            assertEquals(names, created.get());
            assertEquals(names, conflicts.get());
            assertEquals(names, (long) memory.view(r -> r.services().size()));
            long entries = memory.appliedIndex() - before;
            assertTrue(entries < 2 * names, "every write took an entry of its own: " + entries);
        }
    }
}
