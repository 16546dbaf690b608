package io.shoal.manager.scheduler;

import java.util.List;
import java.util.Optional;

/** None of the task's host-mode published ports is held on the node by another task. */
record HostPortFilter(List<HostPort> ports) implements Filter {

    static Optional<Filter> forTask(List<HostPort> ports) {
        return ports.isEmpty() ? Optional.empty() : Optional.of(new HostPortFilter(ports));
    }

    @Override
    public boolean check(NodeInfo node) {
        for (HostPort p : ports) {
            if (node.uses(p)) return false;
        }
        return true;
    }

    @Override
    public String explain(int nodes) {
        return "host-mode port already in use on " + Filter.nodes(nodes);
    }
}
