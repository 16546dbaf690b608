package io.shoal.rpc;

import io.shoal.pki.NodeIdentity;
import java.util.Optional;

/**
 * Decides whether an authenticated peer may call the managers at all; the manager refuses the
 * certificates of removed nodes here (they stay valid until they expire). A refusal reaches the
 * caller as PERMISSION_DENIED with the reason, and is logged.
 */
@FunctionalInterface
public interface PeerAuthorizer {
    PeerAuthorizer ALLOW_ALL = peer -> Optional.empty();

    /** Empty to let the call through, else why it is refused (e.g. "node abc was removed from the swarm"). */
    Optional<String> refusal(NodeIdentity peer);
}
