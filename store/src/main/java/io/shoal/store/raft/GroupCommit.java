package io.shoal.store.raft;

import io.shoal.api.ApiException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * Sends proposals to Raft in groups: each entry carries every batch proposed while the entries
 * before it were in flight. Concurrent writers thus share consensus round trips and disk flushes
 * instead of queueing for one each, as a database's group commit does; a lone writer still goes
 * out at once.
 */
final class GroupCommit {
    /** A group stops growing at this size (a larger batch still goes, alone). */
    private static final int MAX_BYTES = 1 << 20;

    private record Pending(byte[] batch, CompletableFuture<Long> applied) {}

    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Function<byte[], CompletableFuture<RaftClientReply>> send;
    /**
     * Whether an entry is in flight. Only one is: while it is committed the next one fills, so groups
     * grow with the load (measured here, two in flight made groups half as large and writes slower).
     */
    private boolean sending;

    /** @param send proposes an entry's content to the Raft group */
    GroupCommit(Function<byte[], CompletableFuture<RaftClientReply>> send) {
        this.send = send;
    }

    /** Completes with the index of the entry that carried {@code batch}, or fails with the store's refusal of it. */
    CompletableFuture<Long> propose(byte[] batch) {
        Pending p = new Pending(batch, new CompletableFuture<>());
        synchronized (this) {
            queue.add(p);
            if (sending) return p.applied;
            sending = true;
        }
        sendNext();
        return p.applied;
    }

    private void sendNext() {
        List<Pending> group = new ArrayList<>();
        synchronized (this) {
            int bytes = 0;
            while (!queue.isEmpty() && (group.isEmpty() || bytes + queue.peek().batch.length <= MAX_BYTES)) {
                Pending p = queue.poll();
                bytes += p.batch.length;
                group.add(p);
            }
            if (group.isEmpty()) {
                sending = false;
                return;
            }
        }
        CompletableFuture<RaftClientReply> sent;
        try {
            sent = send.apply(Entry.encode(group.stream().map(Pending::batch).toList()));
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((reply, failure) -> {
            settle(group, reply, failure);
            sendNext();
        });
    }

    private static void settle(List<Pending> group, RaftClientReply reply, Throwable failure) {
        if (failure == null && !reply.isSuccess()) {
            failure = ApiException.unavailable("write not committed: "
                    + (reply.getException() == null ? "unknown reason" : reply.getException().getMessage()));
        }
        if (failure != null) {
            for (Pending p : group) p.applied.completeExceptionally(failure);
            return;
        }
        List<String> verdicts = Entry.verdicts(reply.getMessage());
        for (int i = 0; i < group.size(); i++) {
            ApiException refusal = Entry.refusal(verdicts.get(verdicts.size() == 1 ? 0 : i));
            if (refusal == null) group.get(i).applied.complete(reply.getLogIndex());
            else group.get(i).applied.completeExceptionally(refusal);
        }
    }
}
