package io.shoal.pki;

import java.util.Objects;

/**
 * A cluster's current worker and manager join tokens (swarmkit's {@code api.JoinTokens}), as the
 * store keeps them; a token rotated away ({@link JoinToken#rotate}) is no longer in the pair and is
 * refused.
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

    /**
     * The role a presented token grants, compared in constant time against both current tokens;
     * anything else (malformed, another swarm's, rotated away) is refused with swarmkit's message.
     */
    public NodeRole roleFor(String presented) {
        boolean isManager = manager.accepts(presented);
        boolean isWorker = worker.accepts(presented);
        if (isManager) return NodeRole.MANAGER;
        if (isWorker) return NodeRole.WORKER;
        throw PkiException.invalid(NEED_VALID_TOKEN);
    }
}
