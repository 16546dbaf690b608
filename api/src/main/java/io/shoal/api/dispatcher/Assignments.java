package io.shoal.api.dispatcher;

import io.shoal.api.Task;
import java.util.List;

/**
 * Tasks for one node, the overlay networks they are on, and the secrets and configs they refer to.
 * A COMPLETE message lists every task, network, secret and config the node must know (anything
 * else it holds is to be removed); an INCREMENTAL one lists changed ones and the ids of removed
 * ones. A node applies the networks and the dependencies before the tasks, so a task's networks,
 * secrets and configs are known when it starts.
 */
public record Assignments(Type type, List<Task> changed, List<String> removed, List<NetworkView> networks,
                          List<String> removedNetworks, Dependencies dependencies) {
    public enum Type { COMPLETE, INCREMENTAL }

    public Assignments {
        if (dependencies == null) dependencies = Dependencies.NONE;
    }

    public Assignments(Type type, List<Task> changed, List<String> removed, List<NetworkView> networks,
                       List<String> removedNetworks) {
        this(type, changed, removed, networks, removedNetworks, Dependencies.NONE);
    }

    public Assignments(Type type, List<Task> changed, List<String> removed) {
        this(type, changed, removed, List.of(), List.of());
    }
}
