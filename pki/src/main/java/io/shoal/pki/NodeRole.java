package io.shoal.pki;

import java.util.Optional;

/**
 * A node's role as its certificate carries it: the subject's OU, spelled as swarmkit spells it,
 * so that authorization is a matter of reading the peer's certificate.
 */
public enum NodeRole {
    WORKER("swarm-worker", "worker"),
    MANAGER("swarm-manager", "manager");

    private final String ou;
    private final String apiName;

    NodeRole(String ou, String apiName) {
        this.ou = ou;
        this.apiName = apiName;
    }

    /** The certificate's organizational unit: {@code swarm-worker} or {@code swarm-manager}. */
    public String ou() {
        return ou;
    }

    /** The Engine API's spelling: {@code worker} or {@code manager}. */
    public String apiName() {
        return apiName;
    }

    public static Optional<NodeRole> fromOu(String ou) {
        for (NodeRole r : values()) {
            if (r.ou.equals(ou)) return Optional.of(r);
        }
        return Optional.empty();
    }

    public static Optional<NodeRole> fromApiName(String name) {
        for (NodeRole r : values()) {
            if (r.apiName.equals(name)) return Optional.of(r);
        }
        return Optional.empty();
    }
}
