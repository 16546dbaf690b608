package io.shoal.rpc;

import io.shoal.pki.NodeIdentity;

/**
 * Decides whether an authenticated peer may call the managers at all; the manager refuses the
 * certificates of removed nodes here (they stay valid until they expire). A refusal reaches the
 * caller as the exception thrown (a removed node's, a manager's that cannot tell yet), and is logged.
 */
@FunctionalInterface
public interface PeerAuthorizer {
    PeerAuthorizer ALLOW_ALL = peer -> { };

    /** Returns to let the call through; throws why it is refused. */
    void authorize(NodeIdentity peer);
}
