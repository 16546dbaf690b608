package io.shoal.manager.scheduler;

import io.shoal.api.Task;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** The filters that apply to one group of identical tasks, in swarmkit's order (pipeline.go), with encryption before plugins. */
final class Pipeline {
    private final List<Filter> filters;

    private Pipeline(List<Filter> filters) {
        this.filters = filters;
    }

    /** The pipeline for {@code task}, whose service publishes {@code hostPorts} in host mode. */
    static Pipeline forTask(Task task, List<HostPort> hostPorts) {
        // Readiness first: it is the cheapest and rejects the most nodes in a sick cluster.
        List<Filter> filters = Stream.of(
                        Optional.<Filter>of(new ReadyFilter()),
                        ResourceFilter.forTask(task.spec()),
                        EncryptionFilter.forTask(task),
                        PluginFilter.forTask(task),
                        ConstraintFilter.forTask(task.spec()),
                        PlatformFilter.forTask(task.spec()),
                        HostPortFilter.forTask(hostPorts),
                        MaxReplicasFilter.forTask(task.serviceId(), task.spec()))
                .flatMap(Optional::stream)
                .toList();
        return new Pipeline(filters);
    }

    boolean accepts(NodeInfo node) {
        return firstRejection(node) < 0;
    }

    /** The position of the first filter that turns the node down, or -1. */
    private int firstRejection(NodeInfo node) {
        for (int i = 0; i < filters.size(); i++) {
            if (!filters.get(i).check(node)) return i;
        }
        return -1;
    }

    /**
     * Why these nodes cannot take the task: each node is charged to the first filter that turns it
     * down, and the filters are listed by how many nodes they turned down, most first (ties in
     * pipeline order), joined with "; " as swarmkit does. Empty when every node would take it.
     */
    String explain(Collection<NodeInfo> nodes) {
        int[] rejected = new int[filters.size()];
        for (NodeInfo n : nodes) {
            int i = firstRejection(n);
            if (i >= 0) rejected[i]++;
        }
        return IntStream.range(0, filters.size()).boxed()
                .filter(i -> rejected[i] > 0)
                .sorted(Comparator.comparingInt(i -> -rejected[i])) // stable: ties keep pipeline order
                .map(i -> filters.get(i).explain(rejected[i]))
                .collect(Collectors.joining("; "));
    }
}
