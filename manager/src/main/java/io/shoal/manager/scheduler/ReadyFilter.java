package io.shoal.manager.scheduler;

import io.shoal.api.Node;

/** The node is up and its availability is active (not paused or drained). */
record ReadyFilter() implements Filter {

    @Override
    public boolean check(NodeInfo node) {
        Node n = node.node();
        // An absent availability is swarmkit's zero value, active.
        String availability = n.spec() == null ? null : n.spec().availability();
        return n.isReady() && (availability == null || availability.isEmpty() || availability.equals("active"));
    }

    @Override
    public String explain(int nodes) {
        return Filter.nodes(nodes) + " not available for new tasks";
    }
}
