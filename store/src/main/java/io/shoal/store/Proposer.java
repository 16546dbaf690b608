package io.shoal.store;

import java.util.concurrent.CompletableFuture;

/**
 * Puts a batch through consensus. The future completes once the batch is applied to this
 * manager's {@link MemoryStore}, with the batch's log index, or fails with the store's refusal.
 */
public interface Proposer {
    CompletableFuture<Long> propose(Batch batch);
}
