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
import java.util.List;
import java.util.Set;

/** A consistent read of the store. */
public interface ReadTx {
    <T extends StoredObject> T get(Kind kind, String id);

    <T extends StoredObject> List<T> list(Kind kind);

    /** The object of a name-unique kind with this name, or null. */
    <T extends StoredObject> T byName(Kind kind, String name);

    List<Task> tasksOfService(String serviceId);

    List<Task> tasksOfNode(String nodeId);

    /** The addresses held on a network (see {@link Holdings}): its gateway, virtual IPs and the addresses of tasks that hold theirs. */
    Set<Integer> addressesInUse(String networkId);

    default Cluster cluster() {
        List<Cluster> all = list(Kind.CLUSTER);
        return all.isEmpty() ? null : all.getFirst();
    }

    default Service service(String id) {
        return get(Kind.SERVICE, id);
    }

    default Task task(String id) {
        return get(Kind.TASK, id);
    }

    default Node node(String id) {
        return get(Kind.NODE, id);
    }

    default List<Service> services() {
        return list(Kind.SERVICE);
    }

    default List<Task> tasks() {
        return list(Kind.TASK);
    }

    default List<Node> nodes() {
        return list(Kind.NODE);
    }

    default List<Network> networks() {
        return list(Kind.NETWORK);
    }

    default List<Secret> secrets() {
        return list(Kind.SECRET);
    }

    default List<Config> configs() {
        return list(Kind.CONFIG);
    }

    /** The preshared key of an encrypted network, or null. */
    default NetworkKey networkKey(String networkId) {
        return get(Kind.NETWORK_KEY, networkId);
    }

    /** A node's WireGuard key pair, or null while the key manager has not made it. */
    default NodeKey nodeKey(String nodeId) {
        return get(Kind.NODE_KEY, nodeId);
    }
}
