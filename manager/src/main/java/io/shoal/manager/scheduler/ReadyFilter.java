package io.shoal.manager.scheduler;

/** The node is up and its availability is active (not paused or drained). */
record ReadyFilter() implements Filter {

    @Override
    public boolean check(NodeInfo node) {
        return node.node().takesTasks();
    }

    @Override
    public String explain(int nodes) {
        return Filter.nodes(nodes) + " not available for new tasks";
    }
}
