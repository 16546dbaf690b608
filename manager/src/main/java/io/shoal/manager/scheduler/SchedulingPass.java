package io.shoal.manager.scheduler;

import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.store.ReadTx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One look at the store: the per-node picture is built once from a consistent read, then every
 * task waiting for a node is decided against it, the picture being updated as tasks are placed.
 * Deciding happens outside the store's read lock.
 */
final class SchedulingPass {
    static final String ASSIGNED = "scheduler assigned task to node";
    static final String CONFIRMED = "scheduler confirmed task can run on preassigned node";

    /** Identical tasks of a service are placed together on one spread tree. */
    private record Group(String serviceId, TaskSpec spec) {}

    private final Map<String, NodeInfo> nodes;
    private final Map<String, List<HostPort>> hostPorts;
    private final List<Task> waiting;

    private SchedulingPass(Map<String, NodeInfo> nodes, Map<String, List<HostPort>> hostPorts, List<Task> waiting) {
        this.nodes = nodes;
        this.hostPorts = hostPorts;
        this.waiting = waiting;
    }

    /** Meant to run, or for a job's task to run to completion: what swarmkit counts as active. */
    static boolean isMeantToRun(Task t) {
        return !t.desiredState().isAfter(TaskState.COMPLETE);
    }

    /** Waits for a node: PENDING and still meant to run. */
    static boolean isWaiting(Task t) {
        return t != null && t.state() == TaskState.PENDING && isMeantToRun(t);
    }

    /** Holds resources and host ports on its node: assigned there and not yet ended. */
    static boolean isHolding(Task t) {
        return t != null && t.nodeId() != null
                && !t.state().isBefore(TaskState.ASSIGNED) && !t.state().isAfter(TaskState.RUNNING);
    }

    /** Counts towards spread and max-replicas on its node, as swarmkit's ActiveTasksCount does. */
    static boolean isActive(Task t) {
        return isHolding(t) && isMeantToRun(t);
    }

    /** Reads what a pass needs, or nothing when no task is waiting. */
    static Optional<SchedulingPass> read(ReadTx tx) {
        List<Task> tasks = tx.tasks();
        List<Task> waiting = new ArrayList<>();
        for (Task t : tasks) {
            if (isWaiting(t)) waiting.add(t);
        }
        if (waiting.isEmpty()) return Optional.empty();
        // Slot order within a service, so replicas land in a predictable order.
        waiting.sort(Comparator.comparing(Task::serviceId, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparingLong(Task::slot)
                .thenComparing(Task::id));

        Map<String, List<HostPort>> hostPorts = new HashMap<>();
        for (Service s : tx.services()) hostPorts.put(s.id(), HostPort.of(s));
        Map<String, NodeInfo> nodes = new TreeMap<>();
        for (Node n : tx.nodes()) nodes.put(n.id(), new NodeInfo(n));
        for (Task t : tasks) {
            NodeInfo n = isHolding(t) ? nodes.get(t.nodeId()) : null;
            if (n != null) n.add(t, hostPorts.getOrDefault(t.serviceId(), List.of()));
        }
        return Optional.of(new SchedulingPass(nodes, hostPorts, waiting));
    }

    /** How many tasks wait for a node. */
    int waiting() {
        return waiting.size();
    }

    /** Decides every waiting task once; returns the tasks to write, each based on the version read. */
    List<Task> decide(Instant now) {
        List<Task> changed = new ArrayList<>();
        Map<Group, Pipeline> pipelines = new HashMap<>();
        Map<Group, List<Task>> groups = new LinkedHashMap<>();
        // Preassigned tasks (global services) go first, as in swarmkit: they are bound to their
        // node, while the others can still go elsewhere.
        for (Task t : waiting) {
            Group g = new Group(t.serviceId(), t.spec());
            if (t.nodeId() == null) {
                groups.computeIfAbsent(g, k -> new ArrayList<>()).add(t);
            } else {
                confirm(t, pipelines.computeIfAbsent(g, k -> pipeline(t)), now, changed);
            }
        }
        groups.forEach((g, tasks) ->
                place(g, tasks, pipelines.computeIfAbsent(g, k -> pipeline(tasks.getFirst())), now, changed));
        return changed;
    }

    private Pipeline pipeline(Task t) {
        return Pipeline.forTask(t, ports(t));
    }

    private List<HostPort> ports(Task t) {
        return hostPorts.getOrDefault(t.serviceId(), List.of());
    }

    /** A preassigned task is only checked against its own node; a node that is gone leaves it waiting. */
    private void confirm(Task t, Pipeline pipeline, Instant now, List<Task> changed) {
        NodeInfo node = nodes.get(t.nodeId());
        if (node == null) return;
        if (pipeline.accepts(node)) {
            node.add(t, ports(t));
            changed.add(t.withStatus(TaskStatus.of(TaskState.ASSIGNED, CONFIRMED, now)));
        } else {
            // swarmkit gives the bare explanation here, without "no suitable node".
            explain(t, pipeline.explain(List.of(node)), now, changed);
        }
    }

    private void place(Group group, List<Task> tasks, Pipeline pipeline, Instant now, List<Task> changed) {
        SpreadTree tree = SpreadTree.build(group.serviceId(), group.spec(), nodes.values(), pipeline);
        int placed = 0;
        for (Task t : tasks) {
            NodeInfo node = tree.place(n -> n.add(t, ports(t)));
            if (node == null) break;
            changed.add(t.withNodeId(node.id()).withStatus(TaskStatus.of(TaskState.ASSIGNED, ASSIGNED, now)));
            placed++;
        }
        if (placed == tasks.size()) return;
        // The tree ran dry, so no node fits now: explain once for the rest of the group.
        String why = pipeline.explain(nodes.values());
        String message = why.isEmpty() ? "no suitable node" : "no suitable node (" + why + ")";
        for (Task t : tasks.subList(placed, tasks.size())) explain(t, message, now, changed);
    }

    /**
     * Leaves the task PENDING with the reason in its status error, where {@code docker service ps}
     * shows it. Written only when the reason changes, so a task that keeps not fitting costs no
     * writes and the scheduler is not woken by its own.
     */
    private static void explain(Task t, String why, Instant now, List<Task> changed) {
        TaskStatus s = t.status();
        if (Objects.equals(s.err(), why)) return;
        changed.add(t.withStatus(
                new TaskStatus(now, s.state(), s.message(), why, s.containerStatus(), s.portStatus())));
    }
}
