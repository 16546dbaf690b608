package io.shoal.store.raft;

import static io.shoal.store.Fixtures.batch;
import static io.shoal.store.Fixtures.create;
import static io.shoal.store.Fixtures.named;
import static io.shoal.store.Fixtures.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shoal.api.ApiException;
import io.shoal.store.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.junit.jupiter.api.Test;

/**
 * Group commit against a Raft group that holds every entry until the test answers it: which
 * batches share an entry, and which verdict each proposal gets.
 */
class GroupCommitTest {
    /** An entry sent to the fake group, and the reply the test completes by hand. */
    record Sent(List<String> serviceIds, CompletableFuture<RaftClientReply> reply) {}

    final List<Sent> sent = new ArrayList<>();
    final GroupCommit group = new GroupCommit(content -> {
        CompletableFuture<RaftClientReply> reply = new CompletableFuture<>();
        synchronized (sent) {
            sent.add(new Sent(serviceIds(content), reply));
        }
        return reply;
    });

    /** The ids of the services each batch of the entry creates, one per batch. */
    static List<String> serviceIds(byte[] content) {
        try {
            return Entry.decode(content).stream().map(b -> b.changes().getFirst().object().id()).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** A batch creating service {@code id}, padded with a label to about {@code bytes}. */
    static byte[] service(String id, int bytes) {
        String json = "{\"ID\":\"" + id + "\",\"Version\":{\"Index\":0},\"Spec\":{\"Name\":\"" + id
                + "\",\"Labels\":{\"pad\":\"" + "x".repeat(Math.max(0, bytes - 200)) + "\"}}}";
        return batch(create(read(Kind.SERVICE, json))).encode();
    }

    static byte[] service(String id) {
        return batch(create(named(Kind.SERVICE, id, id, 0))).encode();
    }

    static RaftClientReply committed(long index, String... verdicts) {
        return reply(true, null).setLogIndex(index).setMessage(Entry.reply(List.of(verdicts))).build();
    }

    static RaftClientReply.Builder reply(boolean success, RaftException failure) {
        return RaftClientReply.newBuilder().setClientId(ClientId.randomId()).setServerId(RaftPeerId.valueOf("m1"))
                .setGroupId(RaftGroupId.randomId()).setCallId(1).setSuccess(success).setException(failure);
    }

    Sent sent(int i) {
        synchronized (sent) {
            return sent.get(i);
        }
    }

    int entries() {
        synchronized (sent) {
            return sent.size();
        }
    }

    /**
     * Proposes {@code ids} while the entry of a first proposal is in flight, then commits that
     * entry: the proposals' entry is the second one sent.
     */
    List<CompletableFuture<Long>> queuedBehindAnEntry(String... ids) {
        group.propose(service("first"));
        List<CompletableFuture<Long>> queued = new ArrayList<>();
        for (String id : ids) queued.add(group.propose(service(id)));
        sent(0).reply().complete(committed(1, "OK"));
        return queued;
    }

    static ApiException refusal(CompletableFuture<Long> f) {
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        return assertInstanceOf(ApiException.class, e.getCause());
    }

    @Test
    void aLoneProposalGoesOutAtOnce() throws Exception {
        CompletableFuture<Long> a = group.propose(service("a"));
        assertEquals(1, entries());
        assertEquals(List.of("a"), sent(0).serviceIds());
        assertFalse(a.isDone());
        sent(0).reply().complete(committed(11, "OK"));
        assertEquals(11L, a.get());
    }

    @Test
    void proposalsMadeWhileAnEntryIsInFlightGoOutTogetherInTheNext() throws Exception {
        CompletableFuture<Long> a = group.propose(service("a"));
        int writers = 20;
        List<CompletableFuture<Long>> waiting = new ArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            byte[] b = service("w" + i);
            CompletableFuture<CompletableFuture<Long>> proposed = new CompletableFuture<>();
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    proposed.complete(group.propose(b));
                } catch (InterruptedException e) {
                    proposed.completeExceptionally(e);
                }
            }));
            waiting.add(proposed.thenCompose(f -> f));
        }
        go.countDown();
        for (Thread t : threads) t.join();
        assertEquals(1, entries(), "an entry went out while another was in flight");

        sent(0).reply().complete(committed(1, "OK"));
        assertEquals(1L, a.get());
        assertEquals(2, entries());
        assertEquals(writers, sent(1).serviceIds().size());
        assertEquals(writers, sent(1).serviceIds().stream().distinct().count());
        for (CompletableFuture<Long> w : waiting) assertFalse(w.isDone());

        sent(1).reply().complete(committed(2, Collections.nCopies(writers, "OK").toArray(String[]::new)));
        for (CompletableFuture<Long> w : waiting) assertEquals(2L, w.get());
        assertEquals(2, entries(), "an entry went out with nothing to carry");

        group.propose(service("b"));
        assertEquals(3, entries(), "the group stopped sending after it emptied");
    }

    @Test
    void eachBatchOfAnEntryGetsItsOwnVerdict() throws Exception {
        var queued = queuedBehindAnEntry("b", "c", "d");
        CompletableFuture<Long> b = queued.get(0), c = queued.get(1), d = queued.get(2);
        assertEquals(List.of("b", "c", "d"), sent(1).serviceIds());
        sent(1).reply().complete(committed(2, "OK", "ERR 409 name conflicts with an existing object: service c already exists", "OK"));
        assertEquals(2L, b.get());
        ApiException refused = refusal(c);
        assertEquals(409, refused.status());
        assertEquals("name conflicts with an existing object: service c already exists", refused.getMessage());
        assertEquals(2L, d.get());
    }

    @Test
    void oneVerdictAnswersForEveryBatchOfTheEntry() throws Exception {
        var queued = queuedBehindAnEntry("b", "c");
        CompletableFuture<Long> b = queued.get(0), c = queued.get(1);
        sent(1).reply().complete(committed(2, "ERR 500 cannot apply log entry: damaged"));
        assertEquals(500, refusal(b).status());
        assertEquals("cannot apply log entry: damaged", refusal(c).getMessage());
    }

    @Test
    void aFailedSendFailsEveryBatchOfItsEntryAndTheNextEntryStillGoes() throws Exception {
        var queued = queuedBehindAnEntry("b", "c");
        CompletableFuture<Long> b = queued.get(0), c = queued.get(1);
        CompletableFuture<Long> d = group.propose(service("d"));
        IOException lost = new IOException("connection to the leader lost");
        sent(1).reply().completeExceptionally(lost);
        assertSame(lost, assertThrows(ExecutionException.class, b::get).getCause());
        assertSame(lost, assertThrows(ExecutionException.class, c::get).getCause());

        assertEquals(List.of("d"), sent(2).serviceIds());
        sent(2).reply().complete(committed(3, "OK"));
        assertEquals(3L, d.get());
    }

    @Test
    void anEntryRaftDidNotCommitFailsItsBatchesAsUnavailable() throws Exception {
        CompletableFuture<Long> a = group.propose(service("a"));
        sent(0).reply().complete(reply(false, new LeaderSteppingDownException("the leader stepped down")).build());
        ApiException refused = refusal(a);
        assertEquals(503, refused.status());
        assertEquals("write not committed: the leader stepped down", refused.getMessage());

        CompletableFuture<Long> b = group.propose(service("b"));
        assertEquals(2, entries());
        sent(1).reply().complete(committed(2, "OK"));
        assertEquals(2L, b.get());
    }

    @Test
    void aSendThatThrowsFailsItsEntryAndTheGroupGoesOn() throws Exception {
        List<byte[]> contents = new ArrayList<>();
        GroupCommit throwing = new GroupCommit(content -> {
            contents.add(content);
            if (contents.size() == 1) throw new IllegalStateException("raft client closed");
            return CompletableFuture.completedFuture(committed(contents.size(), "OK"));
        });
        assertInstanceOf(IllegalStateException.class,
                assertThrows(ExecutionException.class, () -> throwing.propose(service("a")).get()).getCause());
        assertEquals(2L, throwing.propose(service("b")).get());
    }

    @Test
    void aGroupStopsGrowingAtOneMebibyteAndALargerBatchGoesAlone() throws Exception {
        group.propose(service("a"));
        int mib = 1 << 20;
        group.propose(service("big1", 700 * 1024));
        group.propose(service("big2", 400 * 1024));
        group.propose(service("small1"));
        group.propose(service("huge", 2 * mib));
        group.propose(service("small2"));
        sent(0).reply().complete(committed(1, "OK"));
        assertEquals(List.of("big1"), sent(1).serviceIds(), "700 KiB and 400 KiB went together");
        sent(1).reply().complete(committed(2, "OK"));
        assertEquals(List.of("big2", "small1"), sent(2).serviceIds());
        sent(2).reply().complete(committed(3, "OK", "OK"));
        assertEquals(List.of("huge"), sent(3).serviceIds());
        sent(3).reply().complete(committed(4, "OK"));
        assertEquals(List.of("small2"), sent(4).serviceIds());
    }
}
