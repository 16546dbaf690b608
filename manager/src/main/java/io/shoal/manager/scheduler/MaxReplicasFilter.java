package io.shoal.manager.scheduler;

import io.shoal.api.TaskSpec;
import java.util.Optional;

/** The node runs fewer than {@code Placement.MaxReplicas} tasks of the service. */
record MaxReplicasFilter(String serviceId, long maxReplicas) implements Filter {

    static Optional<Filter> forTask(String serviceId, TaskSpec spec) {
        if (spec == null || spec.placement() == null || spec.placement().maxReplicas() <= 0) return Optional.empty();
        return Optional.of(new MaxReplicasFilter(serviceId, spec.placement().maxReplicas()));
    }

    @Override
    public boolean check(NodeInfo node) {
        return node.activeTasks(serviceId) < maxReplicas;
    }

    @Override
    public String explain(int nodes) {
        return "max replicas per node limit exceed"; // swarmkit's wording, count and grammar included
    }
}
