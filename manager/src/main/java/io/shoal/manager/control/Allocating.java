package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.store.Holdings;
import java.util.function.Supplier;

/**
 * Writes that choose an address, a subnet or a VXLAN id from this manager's copy of the store:
 * another writer (the leader's allocator, a control call on another manager) may have given the
 * same away first, and the store then refuses the second write. Chosen again from a fresher read,
 * it goes through; after a few such races the refusal is the caller's.
 */
final class Allocating {
    private static final int ATTEMPTS = 5;

    private Allocating() {}

    static <R> R write(Supplier<R> write) {
        for (int attempt = 1; ; attempt++) {
            try {
                return write.get();
            } catch (ApiException e) {
                if (!Holdings.isTaken(e) || attempt == ATTEMPTS) throw e;
            }
        }
    }
}
