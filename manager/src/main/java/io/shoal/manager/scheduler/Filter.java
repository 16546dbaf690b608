package io.shoal.manager.scheduler;

/**
 * One test a node must pass to take a task. A filter is made for one group of identical tasks and
 * holds what it needs from their spec; {@link #explain} words a rejection the way swarmkit does
 * (manager/scheduler/filter.go), since users read it in {@code docker service ps}.
 */
sealed interface Filter
        permits ReadyFilter, ResourceFilter, EncryptionFilter, PluginFilter, ConstraintFilter, PlatformFilter, HostPortFilter, MaxReplicasFilter {

    boolean check(NodeInfo node);

    /** Why {@code nodes} nodes were turned down. */
    String explain(int nodes);

    static String nodes(int n) {
        return n == 1 ? "1 node" : n + " nodes";
    }
}
