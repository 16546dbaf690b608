package io.shoal.store;

import io.shoal.api.Cluster;
import io.shoal.api.Config;
import io.shoal.api.Network;
import io.shoal.api.NetworkKey;
import io.shoal.api.Node;
import io.shoal.api.NodeKey;
import io.shoal.api.Secret;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;

/** The store's tables. */
public enum Kind {
    CLUSTER(Cluster.class, false),
    NODE(Node.class, false),
    SERVICE(Service.class, true),
    TASK(Task.class, false),
    NETWORK(Network.class, true),
    SECRET(Secret.class, true),
    CONFIG(Config.class, true),
    NETWORK_KEY(NetworkKey.class, false),
    NODE_KEY(NodeKey.class, false);

    public final Class<? extends StoredObject> type;
    /** Whether names are unique in this table, as swarmkit requires for these objects. */
    final boolean uniqueNames;

    Kind(Class<? extends StoredObject> type, boolean uniqueNames) {
        this.type = type;
        this.uniqueNames = uniqueNames;
    }

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Kind of(StoredObject o) {
        return switch (o) {
            case Cluster c -> CLUSTER;
            case Node n -> NODE;
            case Service s -> SERVICE;
            case Task t -> TASK;
            case Network n -> NETWORK;
            case Secret s -> SECRET;
            case Config c -> CONFIG;
            case NetworkKey k -> NETWORK_KEY;
            case NodeKey k -> NODE_KEY;
        };
    }

    /** The name that must be unique, for the kinds that have one. */
    static String nameOf(StoredObject o) {
        return switch (o) {
            case Service s -> s.spec().name();
            case Network n -> n.spec().name();
            case Secret s -> s.spec().name();
            case Config c -> c.spec().name();
            default -> null;
        };
    }
}
