package io.shoal.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Applies batches straight to a local {@link MemoryStore}, in order, without consensus or
 * durability: the store that controller unit tests and simulations run against.
 */
public final class DirectProposer implements Proposer {
    private final MemoryStore memory;
    private long index;

    public DirectProposer(MemoryStore memory) {
        this.memory = memory;
        this.index = memory.appliedIndex();
    }

    @Override
    public synchronized CompletableFuture<Long> propose(Batch batch) {
        long i = ++index;
        var refusal = memory.apply(i, List.of(batch)).getFirst();
        return refusal == null ? CompletableFuture.completedFuture(i) : CompletableFuture.failedFuture(refusal);
    }
}
