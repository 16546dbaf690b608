package io.shoal.api.dispatcher;

import io.shoal.api.Task;
import java.util.List;

/**
 * Tasks for one node. A COMPLETE message lists every task the node must know (anything else it
 * holds is to be removed); an INCREMENTAL one lists changed tasks and the ids of removed ones.
 */
public record Assignments(Type type, List<Task> changed, List<String> removed) {
    public enum Type { COMPLETE, INCREMENTAL }
}
