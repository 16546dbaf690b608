package io.shoal.manager.scheduler;

import io.shoal.api.ApiException;
import io.shoal.api.TaskSpec;
import java.util.List;
import java.util.Optional;

/**
 * The node satisfies every placement constraint. {@code constraints} is null when they do not
 * parse: the control API refuses such specs, and should one reach the store anyway its tasks
 * wait rather than run on a node the user meant to exclude.
 */
record ConstraintFilter(List<Constraint> constraints) implements Filter {

    static Optional<Filter> forTask(TaskSpec spec) {
        if (spec == null || spec.placement() == null || spec.placement().constraints() == null
                || spec.placement().constraints().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ConstraintFilter(Constraint.parseAll(spec.placement().constraints())));
        } catch (ApiException e) {
            return Optional.of(new ConstraintFilter(null));
        }
    }

    @Override
    public boolean check(NodeInfo node) {
        if (constraints == null) return false;
        for (Constraint c : constraints) {
            if (!c.matches(node.node())) return false;
        }
        return true;
    }

    @Override
    public String explain(int nodes) {
        return "scheduling constraints not satisfied on " + Filter.nodes(nodes);
    }
}
