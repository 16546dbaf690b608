package io.shoal.store;

import io.shoal.api.StoredObject;

/**
 * One write in a batch. {@code basedOn} is the version the writer read: an update or delete of an
 * object whose version has moved since is refused, with the whole batch.
 */
public record Change(Op op, StoredObject object, long basedOn) {
    public enum Op { CREATE, UPDATE, DELETE }

    public Kind kind() {
        return Kind.of(object);
    }
}
