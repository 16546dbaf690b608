package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.control.NodeControl;
import io.shoal.pki.NodeRole;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/** {@code /nodes}: list with filters, inspect, update, remove. */
public final class NodeRoutes {
    private final Supplier<ControlApi> control;

    /** @param control the control API of this node's manager, or Docker's refusal on a worker */
    public NodeRoutes(Supplier<ControlApi> control) {
        this.control = control;
    }

    public void register(Router r) {
        r.add("GET", "/nodes", this::list);
        r.add("GET", "/nodes/{id}", req -> nodes().get(req.param("id")));
        r.add("POST", "/nodes/{id}/update", req -> {
            nodes().update(req.param("id"), req.queryLong("version"), req.json(Node.Spec.class));
            return Router.Reply.empty(200);
        });
        r.add("DELETE", "/nodes/{id}", req -> {
            nodes().remove(req.param("id"), req.queryBool("force"));
            return Router.Reply.empty(200);
        });
    }

    private NodeControl nodes() {
        return control.get().nodes();
    }

    private Object list(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("id", "label", "membership", "name", "node.label", "role"));
        List<NodeRole> roles = f.get("role").stream().map(v -> NodeRole.fromApiName(v)
                .orElseThrow(() -> ApiException.invalid("invalid role filter %s: must be worker or manager", v))).toList();
        return nodes().list(new NodeControl.Query(f.get("id"), f.get("name"), roles, f.get("membership"),
                f.get("label"), f.get("node.label")));
    }
}
