package io.shoal.store.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Ids;
import io.shoal.api.Service;
import io.shoal.pki.DataKey;
import io.shoal.store.MemoryStore;
import io.shoal.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three managers' stores in one group: replication, failover, members, quorum loss. */
class RaftGroupTest {
    @TempDir
    Path dir;

    record Member(String id, String address, MemoryStore memory, RaftNode raft, Store store, AtomicInteger leads) {}

    final List<Member> members = new ArrayList<>();
    final AtomicInteger fetches = new AtomicInteger();

    Member start(String name, RaftNode.Start how) throws Exception {
        String id = Ids.newId();
        String address = "127.0.0.1:" + RaftNodeTest.freePort();
        MemoryStore memory = new MemoryStore();
        AtomicInteger leads = new AtomicInteger();
        RaftNode raft = new RaftNode(dir.resolve(name), id, address, "127.0.0.1", "cluster1", memory, DataKey.generate(),
                this::fetchFromAnother, null, l -> { if (l) leads.incrementAndGet(); }, how);
        Member m = new Member(id, address, memory, raft, new Store(memory, raft, Clock.systemUTC()), leads);
        members.add(m);
        return m;
    }

    /** What the daemon does over the cluster port: ask the other managers for their state. */
    private byte[] fetchFromAnother(long minIndex) throws java.io.IOException {
        fetches.incrementAndGet();
        for (Member m : members) {
            if (m.memory().appliedIndex() >= minIndex) return m.raft().exportState();
        }
        throw new java.io.IOException("no member has applied " + minIndex);
    }

    @AfterEach
    void stop() {
        for (Member m : members) {
            try {
                m.raft().close();
            } catch (Exception e) {
                // already closed by the test
            }
        }
    }

    static void eventually(BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met in 15 s");
            Thread.sleep(20);
        }
    }

    static void create(Store store, String name) {
        Service s = RaftNodeTest.service(name);
        store.update(tx -> { tx.create(s); return null; });
    }

    @Test
    void membersReplicateFailOverAndRefuseWritesWithoutQuorum() throws Exception {
        Member a = start("a", RaftNode.Start.BOOTSTRAP);
        eventually(() -> a.leads().get() > 0);
        create(a.store(), "before-join");
        Member b = start("b", RaftNode.Start.JOIN);
        Member c = start("c", RaftNode.Start.JOIN);
        a.raft().addMember(b.id(), b.address());
        a.raft().addMember(c.id(), c.address());
        assertEquals(Map.of(a.id(), a.address(), b.id(), b.address(), c.id(), c.address()), a.raft().members());

        // Everything committed reaches every member, including what came before they joined.
        eventually(() -> c.memory().view(r -> r.services().size()) == 1 && b.memory().view(r -> r.services().size()) == 1);
        // A write through a follower is forwarded to the leader and readable there at once.
        create(b.store(), "via-follower");
        assertNotNull(b.memory().view(r -> r.byName(io.shoal.store.Kind.SERVICE, "via-follower")));

        // The leader dies: another member takes over and writes go on.
        String oldLeader = a.raft().leaderId();
        Member leader = members.stream().filter(m -> m.id().equals(oldLeader)).findFirst().orElseThrow();
        leader.raft().close();
        List<Member> rest = members.stream().filter(m -> m != leader).toList();
        long t0 = System.nanoTime();
        eventually(() -> rest.stream().anyMatch(m -> m.raft().isLeader()));
        long failoverMillis = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(failoverMillis < 10_000, "failover took " + failoverMillis + " ms");
        create(rest.getFirst().store(), "after-failover");
        for (Member m : rest) {
            eventually(() -> m.memory().view(r -> r.services().size()) == 3);
        }
        assertNotEquals(oldLeader, rest.getFirst().raft().leaderId());

        // Two of three gone: no quorum, and a write fails within seconds instead of hanging.
        rest.get(1).raft().close();
        long t1 = System.nanoTime();
        ApiException refused = assertThrows(ApiException.class, () -> create(rest.getFirst().store(), "no-quorum"));
        assertEquals(503, refused.status());
        assertTrue((System.nanoTime() - t1) / 1_000_000 < 15_000);
        // Reads still answer.
        assertEquals(3, (int) rest.getFirst().memory().view(r -> r.services().size()));
    }

    @Test
    void aNewMemberFetchesTheStateFromAnotherManagerThenFollowsTheLog() throws Exception {
        Member a = start("a", RaftNode.Start.BOOTSTRAP);
        eventually(() -> a.leads().get() > 0);
        for (int i = 0; i < 300; i++) create(a.store(), "s" + i);
        long snapshot = a.raft().snapshot();
        assertTrue(snapshot >= 300, "snapshot at " + snapshot);

        // Snapshot files are sealed with a's own key: b gets the state from a's export instead.
        Member b = start("b", RaftNode.Start.JOIN);
        a.raft().addMember(b.id(), b.address());
        eventually(() -> b.memory().view(r -> r.services().size()) == 300);
        assertTrue(fetches.get() > 0, "b never fetched the state");
        create(a.store(), "after-join");
        eventually(() -> b.memory().view(r -> r.byName(io.shoal.store.Kind.SERVICE, "after-join")) != null);
    }

    @Test
    void aLeaderHandsOverThenLeavesAndTheGroupGoesOnWithoutIt() throws Exception {
        Member a = start("a", RaftNode.Start.BOOTSTRAP);
        eventually(() -> a.leads().get() > 0);
        Member b = start("b", RaftNode.Start.JOIN);
        Member c = start("c", RaftNode.Start.JOIN);
        a.raft().addMember(b.id(), b.address());
        a.raft().addMember(c.id(), c.address());

        a.raft().transferLeadership(b.id(), java.time.Duration.ofSeconds(10));
        eventually(() -> b.raft().isLeader() && !a.raft().isLeader());
        // What a demoted leader's successor does: take it out of the group.
        b.raft().removeMember(a.id());
        assertEquals(Map.of(b.id(), b.address(), c.id(), c.address()), b.raft().members());
        a.raft().close();
        create(c.store(), "without-a");
        eventually(() -> b.memory().view(r -> r.services().size()) == 1);
        // Removing a member that is not there changes nothing.
        b.raft().removeMember(a.id());
        assertEquals(2, c.raft().members().size());
    }
}
