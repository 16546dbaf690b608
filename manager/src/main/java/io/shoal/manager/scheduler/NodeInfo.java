package io.shoal.manager.scheduler;

import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A node as one scheduling pass sees it: what the tasks already there hold, kept up to date as the
 * pass places more tasks on it. Owned by a single pass; never shared between threads.
 */
final class NodeInfo {
    private final Node node;
    private long freeNanoCpus;
    private long freeMemoryBytes;
    private int activeTasks;
    private final Map<String, Integer> activeTasksByService = new HashMap<>();
    private final Set<HostPort> usedHostPorts = new HashSet<>();

    NodeInfo(Node node) {
        this.node = node;
        // A node that reported no resources has none to offer to tasks that reserve some.
        Node.Resources r = node.description() == null ? null : node.description().resources();
        this.freeNanoCpus = r == null ? 0 : r.nanoCPUs();
        this.freeMemoryBytes = r == null ? 0 : r.memoryBytes();
    }

    /**
     * Books a task on this node: one already there, or one being placed. Its reservations and host
     * ports are held whatever its desired state (a task told to stop holds them until it has
     * stopped); it counts towards spread and max-replicas only while it is meant to run.
     */
    void add(Task task, List<HostPort> hostPorts) {
        TaskSpec.Reservations r = reservations(task.spec());
        if (r != null) {
            freeNanoCpus -= r.nanoCPUs();
            freeMemoryBytes -= r.memoryBytes();
        }
        usedHostPorts.addAll(hostPorts);
        if (SchedulingPass.isMeantToRun(task)) {
            activeTasks++;
            activeTasksByService.merge(task.serviceId(), 1, Integer::sum);
        }
    }

    static TaskSpec.Reservations reservations(TaskSpec spec) {
        return spec == null || spec.resources() == null ? null : spec.resources().reservations();
    }

    Node node() {
        return node;
    }

    String id() {
        return node.id();
    }

    long freeNanoCpus() {
        return freeNanoCpus;
    }

    long freeMemoryBytes() {
        return freeMemoryBytes;
    }

    int activeTasks() {
        return activeTasks;
    }

    int activeTasks(String serviceId) {
        return activeTasksByService.getOrDefault(serviceId, 0);
    }

    boolean uses(HostPort port) {
        return usedHostPorts.contains(port);
    }
}
