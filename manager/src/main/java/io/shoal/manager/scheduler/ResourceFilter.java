package io.shoal.manager.scheduler;

import io.shoal.api.TaskSpec;
import java.util.Optional;

/** The node has the CPU and memory the task reserves, net of what the tasks already there reserve. */
record ResourceFilter(long nanoCpus, long memoryBytes) implements Filter {

    static Optional<Filter> forTask(TaskSpec spec) {
        TaskSpec.Reservations r = NodeInfo.reservations(spec);
        if (r == null || (r.nanoCPUs() == 0 && r.memoryBytes() == 0)) return Optional.empty();
        return Optional.of(new ResourceFilter(r.nanoCPUs(), r.memoryBytes()));
    }

    @Override
    public boolean check(NodeInfo node) {
        return nanoCpus <= node.freeNanoCpus() && memoryBytes <= node.freeMemoryBytes();
    }

    @Override
    public String explain(int nodes) {
        return "insufficient resources on " + Filter.nodes(nodes);
    }
}
