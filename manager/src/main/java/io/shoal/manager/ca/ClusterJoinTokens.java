package io.shoal.manager.ca;

import io.shoal.pki.NodeRole;
import io.shoal.api.ApiException;
import java.util.Objects;

/**
 * A cluster's current worker and manager join tokens (swarmkit's {@code api.JoinTokens}). A value:
 * rotation returns a new pair, which the caller stores; tokens not in the stored pair are refused.
 */
public record ClusterJoinTokens(JoinToken worker, JoinToken manager) {
    static final String NEED_VALID_TOKEN = "A valid join token is necessary to join this cluster";

    public ClusterJoinTokens {
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(manager, "manager");
    }

    public static ClusterJoinTokens generate(RootCa root) {
        return new ClusterJoinTokens(JoinToken.generate(root), JoinToken.generate(root));
    }

    public JoinToken token(NodeRole role) {
        return role == NodeRole.MANAGER ? manager : worker;
    }

    /** {@code docker swarm join-token --rotate worker|manager}: a new secret for that role only. */
    public ClusterJoinTokens rotate(NodeRole role) {
        return role == NodeRole.MANAGER ? new ClusterJoinTokens(worker, manager.rotate())
                : new ClusterJoinTokens(worker.rotate(), manager);
    }

    /**
     * The role a presented token grants, compared in constant time against both current tokens;
     * anything else (malformed, another swarm's, rotated away) is refused with swarmkit's message.
     */
    public NodeRole roleFor(String presented) {
        boolean isManager = manager.accepts(presented);
        boolean isWorker = worker.accepts(presented);
        if (isManager) return NodeRole.MANAGER;
        if (isWorker) return NodeRole.WORKER;
        throw ApiException.invalid(NEED_VALID_TOKEN);
    }
}
