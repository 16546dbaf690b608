package io.shoal.store;

import io.shoal.api.StoredObject;

/** What one committed change did: {@code before} is null for a create, {@code after} for a delete. */
public record Event(Change.Op op, Kind kind, StoredObject before, StoredObject after, long index) {

    public StoredObject object() {
        return after != null ? after : before;
    }
}
