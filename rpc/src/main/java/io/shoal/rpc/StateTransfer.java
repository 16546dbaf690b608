package io.shoal.rpc;

import io.shoal.pki.TlsSource;

/** What a manager gives another that has to catch up: its whole store. Refusals are {@link io.shoal.api.ApiException}s. */
@FunctionalInterface
public interface StateTransfer {
    /** This manager's store, if it has applied at least up to {@code minIndex}. */
    byte[] export(long minIndex);

    /** Fetches the store of the manager at {@code target}, which must have applied at least up to {@code minIndex}. */
    static byte[] fetch(String target, TlsSource tls, long minIndex) {
        return StateTransferService.fetch(target, tls, minIndex);
    }
}
