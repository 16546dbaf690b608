package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.Reachability;
import io.shoal.manager.role.Quorum;
import io.shoal.pki.NodeRole;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/** Nodes: respecified (role, availability, labels), removed, listed (swarmkit's controlapi node.go). */
public final class NodeControl {
    private final Store store;
    private final Supplier<String> leader;

    /** @param leader the node id of the manager that leads now, as Raft knows it (null when none does) */
    NodeControl(Store store, Supplier<String> leader) {
        this.store = store;
        this.leader = leader;
    }

    /** Which nodes a list shows: by id prefix, name prefix, role, membership, engine label and node label. */
    public record Query(List<String> idPrefixes, List<String> namePrefixes, List<NodeRole> roles,
                        List<String> memberships, List<String> engineLabels, List<String> nodeLabels) {
        public static final Query ALL = new Query(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    public Node get(String ref) {
        return withLeader(store.view(r -> Refs.node(r, ref)));
    }

    public List<Node> list(Query q) {
        return store.view(r -> r.nodes().stream()
                .filter(n -> Selector.any(q.idPrefixes(), n.id()::startsWith))
                .filter(n -> Selector.any(q.namePrefixes(), v -> n.hostname() != null && n.hostname().startsWith(v)
                        || n.spec().name() != null && n.spec().name().startsWith(v)))
                .filter(n -> q.roles() == null || q.roles().isEmpty() || q.roles().contains(n.spec().role()))
                .filter(n -> Selector.any(q.memberships(), "accepted"::equals))
                .filter(n -> Selector.labels(q.engineLabels(), n.description() == null || n.description().engine() == null
                        ? null : n.description().engine().labels()))
                .filter(n -> Selector.labels(q.nodeLabels(), n.spec().labels()))
                .sorted(Comparator.comparing(Node::createdAt))
                .toList())
                .stream().map(this::withLeader).toList();
    }

    /** Which manager leads is Raft's knowledge, not the store's: filled in as the node is shown. */
    private Node withLeader(Node n) {
        if (n.managerStatus() == null) return n;
        return n.withManagerStatus(new Node.ManagerStatus(n.id().equals(leader.get()),
                Quorum.isReachable(n) ? Reachability.REACHABLE : Reachability.UNREACHABLE, n.managerStatus().addr()));
    }

    /** A role or availability left out keeps the node's. */
    public void update(String ref, long version, Node.Spec spec) {
        if (spec == null) throw ApiException.invalid("node spec must be provided");
        store.update(tx -> {
            Node node = Refs.node(tx, ref);
            if (node.version().index() != version) throw ApiException.conflict("update out of sequence");
            Node.Spec next = new Node.Spec(spec.name(), spec.labels(),
                    spec.role() != null ? spec.role() : node.spec().role(),
                    spec.availability() != null ? spec.availability() : node.spec().availability());
            if (node.spec().role() == NodeRole.MANAGER && next.role() == NodeRole.WORKER) checkDemotion(tx, node);
            tx.update(node.withSpec(next));
            return null;
        });
    }

    /**
     * Swarmkit's demotion checks. The role manager on the leader then takes the node out of the
     * Raft group; a promotion needs no check, the node joins the group itself.
     */
    private static void checkDemotion(ReadTx tx, Node node) {
        // As swarmkit: a promotion not carried out yet is not undone by a demotion (the node may be
        // joining the group this moment); such a node can be removed instead.
        if (node.managerStatus() == null) throw ApiException.invalid("can't find manager in raft memberlist");
        List<Node> members = raftMembers(tx);
        if (members.size() <= 1) throw ApiException.invalid("attempting to demote the last manager of the swarm");
        if (!Quorum.canRemove(members, members.size(), node.id())) {
            throw ApiException.invalid("can't remove member from the raft: this would result in a loss of quorum");
        }
    }

    /** The nodes that are members of the managers' Raft group: those with a ManagerStatus. */
    public static List<Node> raftMembers(ReadTx r) {
        return r.nodes().stream().filter(n -> n.managerStatus() != null).toList();
    }

    public void remove(String ref, boolean force) {
        store.update(tx -> {
            Node node = Refs.node(tx, ref);
            // A manager that left the group (swarm leave --force) may go; a member must be demoted first.
            if (node.spec().role() == NodeRole.MANAGER && node.managerStatus() != null) {
                throw ApiException.invalid("node %s is a cluster manager and is a member of the raft cluster. "
                        + "It must be demoted to worker before removal", node.id());
            }
            if (node.isReady() && !force) {
                throw ApiException.invalid("node %s is not down and can't be removed", node.id());
            }
            tx.delete(node);
            return null;
        });
    }
}
