package io.shoal.api;

import java.time.Instant;

/** An object kept in the replicated store: it has an id, a version and timestamps. */
public sealed interface StoredObject permits Cluster, Node, Service, Task, Network, Secret, Config, NetworkKey, NodeKey {
    String id();

    Version version();

    Instant createdAt();

    /** The same object as committed at {@code version}, stamped at {@code now}. */
    StoredObject committed(Version version, Instant now);
}
