package io.shoal.store;

import io.shoal.api.ApiException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

/**
 * The store as its users see it: consistent reads of the local copy, writes that go through
 * consensus and return once applied here, and watches of what changed.
 */
public final class Store {
    private final MemoryStore memory;
    private final Proposer proposer;
    private final Clock clock;

    public Store(MemoryStore memory, Proposer proposer, Clock clock) {
        this.memory = memory;
        this.proposer = proposer;
        this.clock = clock;
    }

    public MemoryStore memory() {
        return memory;
    }

    public <R> R view(Function<ReadTx, R> reader) {
        return memory.view(reader);
    }

    public Watch watch() {
        return new Watch(memory);
    }

    /**
     * Runs {@code body} against the current state and commits what it wrote as one batch.
     * Throws the store's refusal (for instance "update out of sequence") as an {@link ApiException}.
     */
    public <R> R update(Function<Tx, R> body) {
        Tx tx = new Tx(memory.view(r -> r));
        R result = body.apply(tx);
        if (!tx.isEmpty()) await(proposer.propose(new Batch(clock.instant(), tx.changes())));
        return result;
    }

    /** Changes per batch, as swarmkit's MaxChangesPerTransaction: large passes commit in chunks. */
    public static final int MAX_CHANGES_PER_BATCH = 200;

    /**
     * For passes that may write many objects: each {@code Batcher.update} adds to the current
     * transaction, which is committed whenever it reaches {@link #MAX_CHANGES_PER_BATCH} changes,
     * and at the end. Each chunk is all-or-nothing; the first refusal is thrown after the rest.
     */
    public void batch(java.util.function.Consumer<Batcher> body) {
        Batcher b = new Batcher();
        body.accept(b);
        b.flush();
        if (b.failure != null) throw b.failure;
    }

    public final class Batcher {
        private Tx tx = new Tx(memory.view(r -> r));
        private RuntimeException failure;

        public void update(java.util.function.Consumer<Tx> body) {
            body.accept(tx);
            if (tx.size() >= MAX_CHANGES_PER_BATCH) flush();
        }

        private void flush() {
            if (tx.isEmpty()) return;
            try {
                await(proposer.propose(new Batch(clock.instant(), tx.changes())));
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
            }
            tx = new Tx(memory.view(r -> r));
        }
    }

    /** Waits for the commit, then until this manager has applied it, so a read after a write sees it. */
    private void await(CompletableFuture<Long> f) {
        try {
            long index = f.get();
            if (!memory.awaitApplied(index, 10_000)) {
                throw ApiException.unavailable("the write committed but this manager has not caught up with it yet");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted while waiting for the write to commit");
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    static RuntimeException unwrap(Throwable t) {
        while (t instanceof CompletionException || t instanceof ExecutionException) t = t.getCause();
        if (t instanceof RuntimeException r) return r;
        return ApiException.unavailable("write failed: " + t.getMessage());
    }
}
