package io.shoal.manager.role;

import io.shoal.api.Node;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.pki.NodeRole;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reconciles the Raft group with the nodes' desired roles (swarmkit's role manager). A demoted
 * manager, or one whose node was removed, is taken out of the group, but only while the rest keeps
 * a quorum; a leader hands its leadership over first and the next leader removes it. Once out,
 * its ManagerStatus goes, so the CA certifies it as a worker and it learns so from its heartbeats.
 * Promotion needs nothing here: the CA certifies a node whose desired role is manager at once,
 * and the node then asks to join the group itself. Its ids are nodes, but a pass looks at the
 * whole group: whether a member may leave depends on all the others.
 */
public final class RoleManager extends Controller {
    private static final Duration TRANSFER_TIMEOUT = Duration.ofSeconds(5);

    private final RaftMembers raft;

    public RoleManager(Store store, Clock clock, Ticker ticker, RaftMembers raft) {
        super(store, clock, ticker);
        this.raft = raft;
    }

    @Override
    protected Collection<String> affected(Event event) {
        return event.object() instanceof Node n ? List.of(n.id()) : List.of();
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return r.nodes().stream().map(Node::id).toList();
    }

    @Override
    protected void reconcile(Set<String> nodeIds) {
        // Nodes before members: a ManagerStatus is written only after its member was added, so a
        // node seen with one is in the member list read next.
        Map<String, Node> nodes = store.view(r -> r.nodes().stream().collect(Collectors.toMap(Node::id, Function.identity())));
        Set<String> before = raft.members();
        String leaving = before.stream().filter(id -> nodes.get(id) == null || nodes.get(id).spec().role() == NodeRole.WORKER)
                .findFirst().orElse(null);
        // One membership change per pass; the rest of the pass sees the group it left.
        if (leaving != null && !remove(leaving, before, nodes)) {
            // Not yet, or handed over: the group may change without the store saying so, so look again.
            reconcileAfter(leaving, RETRY);
            return;
        }
        Set<String> members = leaving == null ? before : raft.members();
        List<Node> departed = nodes.values().stream()
                .filter(n -> n.managerStatus() != null && !members.contains(n.id())).toList();
        if (departed.isEmpty()) return;
        store.batch(b -> {
            for (Node n : departed) {
                log.info("node {} is no longer a Raft member", n.id());
                b.update(tx -> tx.update(n.withManagerStatus(null)));
            }
        });
    }

    /** Takes {@code id} out of the group; false when it is not (yet) possible or leadership was handed over instead. */
    private boolean remove(String id, Set<String> members, Map<String, Node> nodes) {
        List<Node> memberNodes = members.stream().map(nodes::get).filter(n -> n != null).toList();
        if (!Quorum.canRemove(memberNodes, members.size(), id)) {
            log.debug("can't demote node {} at this time: removing member from raft would result in a loss of quorum", id);
            return false;
        }
        try {
            if (id.equals(raft.self())) {
                String successor = Quorum.successor(memberNodes, id).orElseThrow();
                log.info("demoted; transferring leadership to {}", successor);
                raft.transferLeadership(successor, TRANSFER_TIMEOUT);
                return false;
            }
            raft.remove(id);
            log.info("removed node {} from the Raft group", id);
            return true;
        } catch (IOException e) {
            log.info("can't demote node {} at this time: {}", id, e.getMessage());
            return false;
        }
    }
}
