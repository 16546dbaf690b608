package io.shoal.manager.scheduler;

import io.shoal.api.Node;
import io.shoal.api.Task;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The node's engine offers the network driver of every network the task is attached to, as its
 * description's plugins list them ({@code {Type: "Network", Name: "overlay"}}): a node whose
 * executor cannot put a task on an overlay network never gets one, rather than running it
 * without its networks. A node that describes no engine is not filtered, as in swarmkit.
 */
record PluginFilter(List<String> networkDrivers) implements Filter {
    static final String NETWORK = "Network";

    static Optional<Filter> forTask(Task task) {
        if (task.networksAttachments() == null) return Optional.empty();
        List<String> drivers = task.networksAttachments().stream()
                .map(a -> a.network() == null || a.network().driverState() == null ? null : a.network().driverState().name())
                .filter(Objects::nonNull).filter(d -> !d.isEmpty()).distinct().toList();
        return drivers.isEmpty() ? Optional.empty() : Optional.of(new PluginFilter(drivers));
    }

    @Override
    public boolean check(NodeInfo node) {
        Node.Description d = node.node().description();
        if (d == null || d.engine() == null) return true;
        List<Node.PluginDescription> plugins = d.engine().plugins() == null ? List.of() : d.engine().plugins();
        return networkDrivers.stream().allMatch(driver -> plugins.stream()
                .anyMatch(p -> NETWORK.equals(p.type()) && (driver.equals(p.name()) || (driver + ":latest").equals(p.name()))));
    }

    @Override
    public String explain(int nodes) {
        return "missing plugin on " + Filter.nodes(nodes);
    }
}
