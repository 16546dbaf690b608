package io.shoal.api.dispatcher;

import io.shoal.api.Task;
import java.util.List;

/**
 * Tasks for one node, and the overlay networks they are on. A COMPLETE message lists every task
 * and network the node must know (anything else it holds is to be removed); an INCREMENTAL one
 * lists changed ones and the ids of removed ones. A node applies the networks before the tasks, so
 * a task's networks are known when it starts.
 */
public record Assignments(Type type, List<Task> changed, List<String> removed, List<NetworkView> networks,
                          List<String> removedNetworks) {
    public enum Type { COMPLETE, INCREMENTAL }

    public Assignments(Type type, List<Task> changed, List<String> removed) {
        this(type, changed, removed, List.of(), List.of());
    }
}
