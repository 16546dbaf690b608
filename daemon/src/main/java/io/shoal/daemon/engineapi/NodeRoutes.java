package io.shoal.daemon.engineapi;

import io.shoal.api.Node;
import io.shoal.daemon.Daemon;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.role.Quorum;
import java.util.Comparator;
import java.util.Set;

/** {@code /nodes}: list with filters, inspect, update, remove. */
public final class NodeRoutes {
    private final Daemon daemon;

    public NodeRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    public void register(Router r) {
        r.add("GET", "/nodes", this::list);
        r.add("GET", "/nodes/{id}", req -> withLeader(daemon.managerView(tx -> ControlApi.node(tx, req.param("id")))));
        r.add("POST", "/nodes/{id}/update", req -> {
            daemon.control().updateNode(req.param("id"), req.queryLong("version"), req.json(Node.Spec.class));
            return Router.Reply.empty(200);
        });
        r.add("DELETE", "/nodes/{id}", req -> {
            daemon.control().removeNode(req.param("id"), req.queryBool("force"));
            return Router.Reply.empty(200);
        });
    }

    private Object list(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("id", "label", "membership", "name", "node.label", "role"));
        return daemon.managerView(tx -> tx.nodes().stream()
                .filter(n -> f.matches("id", v -> n.id().startsWith(v)))
                .filter(n -> f.matches("name", v -> n.hostname() != null && n.hostname().startsWith(v)
                        || n.spec().name() != null && n.spec().name().startsWith(v)))
                .filter(n -> f.matches("role", v -> v.equals(n.spec().role())))
                .filter(n -> f.matches("membership", v -> v.equals("accepted")))
                .filter(n -> f.matchesLabels("label", n.description() == null || n.description().engine() == null
                        ? null : n.description().engine().labels()))
                .filter(n -> f.matchesLabels("node.label", n.spec().labels()))
                .sorted(Comparator.comparing(Node::createdAt))
                .map(this::withLeader)
                .toList());
    }

    /** Which manager leads is Raft's knowledge, not the store's: filled in as the node is shown. */
    private Node withLeader(Node n) {
        if (n.managerStatus() == null) return n;
        String leader = daemon.manager().leaderId();
        String reachability = Quorum.isReachable(n) ? "reachable" : "unreachable";
        return n.withManagerStatus(new Node.ManagerStatus(n.id().equals(leader), reachability, n.managerStatus().addr()));
    }
}
