package io.shoal.store;

import io.shoal.api.StoredObject;
import java.time.Instant;

/**
 * What one committed change did: {@code before} is null for a create, {@code after} for a delete;
 * {@code at} is its batch's time (the proposer's clock), the same on every manager.
 */
public record Event(Change.Op op, Kind kind, StoredObject before, StoredObject after, long index, Instant at) {

    public StoredObject object() {
        return after != null ? after : before;
    }
}
