package io.shoal.store.raft;

import java.io.IOException;

/** Where a manager that fell too far behind the leader's log gets the swarm's state: another manager. */
@FunctionalInterface
public interface StateSource {
    /** The store of a manager that has applied at least up to {@code minIndex}, as {@link RaftNode#exportState()} gives it. */
    byte[] fetch(long minIndex) throws IOException;

    StateSource NONE = minIndex -> {
        throw new IOException("no other manager to catch up from");
    };
}
