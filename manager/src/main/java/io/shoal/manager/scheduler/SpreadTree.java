package io.shoal.manager.scheduler;

import io.shoal.api.Node;
import io.shoal.api.TaskSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Where a group of identical tasks may go: nodes split level by level by their value for each
 * {@code spread} preference, as in swarmkit's decision tree. Every placement walks down into the
 * branch holding the fewest tasks of the service, so tasks even out across label values first,
 * then across the nodes of a leaf (fewest tasks of the service, then fewest tasks in all, then
 * node id so that equal clusters schedule alike).
 *
 * <p>Branch counts include nodes that cannot take the task, as in swarmkit: a zone whose nodes are
 * drained still counts the tasks it holds. Nodes lacking a label share the "" branch.
 */
final class SpreadTree {
    private final Pipeline pipeline;
    private int tasks;
    /** Subtrees by label value, for an inner level; null in a leaf. */
    private final TreeMap<String, SpreadTree> branches;
    /** A leaf's nodes that passed the pipeline, best first; null for an inner level. */
    private final PriorityQueue<NodeInfo> nodes;

    private SpreadTree(Pipeline pipeline, int levelsBelow, Comparator<NodeInfo> nodeOrder) {
        this.pipeline = pipeline;
        this.branches = levelsBelow > 0 ? new TreeMap<>() : null;
        this.nodes = levelsBelow > 0 ? null : new PriorityQueue<>(nodeOrder);
    }

    static SpreadTree build(String serviceId, TaskSpec spec, Collection<NodeInfo> nodes, Pipeline pipeline) {
        List<Function<Node, String>> levels = levels(spec);
        Comparator<NodeInfo> order = Comparator.<NodeInfo>comparingInt(n -> n.activeTasks(serviceId))
                .thenComparingInt(NodeInfo::activeTasks)
                .thenComparing(NodeInfo::id);
        SpreadTree root = new SpreadTree(pipeline, levels.size(), order);
        for (NodeInfo n : nodes) {
            int count = n.activeTasks(serviceId);
            SpreadTree tree = root;
            tree.tasks += count;
            for (int i = 0; i < levels.size(); i++) {
                String value = levels.get(i).apply(n.node());
                int below = levels.size() - i - 1;
                tree = tree.branches.computeIfAbsent(value == null ? "" : value,
                        v -> new SpreadTree(pipeline, below, order));
                tree.tasks += count;
            }
            if (pipeline.accepts(n)) tree.nodes.add(n);
        }
        return root;
    }

    /**
     * How each supported preference reads a node. Other descriptors are skipped, as swarmkit does;
     * the control API is where they would be refused.
     */
    private static List<Function<Node, String>> levels(TaskSpec spec) {
        List<Function<Node, String>> levels = new ArrayList<>();
        if (spec == null || spec.placement() == null || spec.placement().preferences() == null) return levels;
        for (TaskSpec.Preference p : spec.placement().preferences()) {
            String d = p.spread() == null ? null : p.spread().spreadDescriptor();
            if (hasPrefix(d, Constraint.NODE_LABEL_PREFIX)) {
                String name = d.substring(Constraint.NODE_LABEL_PREFIX.length());
                levels.add(n -> Constraint.nodeLabel(n, name));
            } else if (hasPrefix(d, Constraint.ENGINE_LABEL_PREFIX)) {
                String name = d.substring(Constraint.ENGINE_LABEL_PREFIX.length());
                levels.add(n -> Constraint.engineLabel(n, name));
            }
        }
        return levels;
    }

    private static boolean hasPrefix(String descriptor, String prefix) {
        return descriptor != null && descriptor.length() > prefix.length()
                && descriptor.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    /**
     * Places one task: finds the best node that still passes the pipeline, lets {@code book}
     * record the task on it, and returns it; null when no node in this subtree fits any more.
     */
    NodeInfo place(Consumer<NodeInfo> book) {
        NodeInfo placed = branches == null ? placeInLeaf(book) : placeInBranch(book);
        if (placed != null) tasks++;
        return placed;
    }

    private NodeInfo placeInLeaf(Consumer<NodeInfo> book) {
        for (NodeInfo n = nodes.poll(); n != null; n = nodes.poll()) {
            // A node that fails now stays out: placements only ever add to a node's load, so
            // it cannot fit again later in this pass.
            if (pipeline.accepts(n)) {
                book.accept(n); // changes the node's ordering keys, so only while out of the heap
                nodes.add(n);
                return n;
            }
        }
        return null;
    }

    private NodeInfo placeInBranch(Consumer<NodeInfo> book) {
        while (!branches.isEmpty()) {
            Map.Entry<String, SpreadTree> fewest = null;
            for (var e : branches.entrySet()) {
                if (fewest == null || e.getValue().tasks < fewest.getValue().tasks) fewest = e;
            }
            NodeInfo n = fewest.getValue().place(book);
            if (n != null) return n;
            branches.remove(fewest.getKey()); // full: the remaining branches share the rest
        }
        return null;
    }
}
