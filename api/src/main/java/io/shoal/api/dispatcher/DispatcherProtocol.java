package io.shoal.api.dispatcher;

import io.shoal.api.Node;
import io.shoal.pki.NodeRole;
import java.util.List;
import java.util.function.Consumer;

/**
 * What an agent sees of the managers (swarmkit's dispatcher.proto): a session per node,
 * heartbeats, a stream of assignments and batched task status reports. The in-process transport
 * calls the manager's dispatcher directly; the network transport carries the same calls over
 * gRPC, where the node id comes from the peer's certificate.
 */
public interface DispatcherProtocol {

    /**
     * Opens a session for this node, registering it (or its new description) in the store. Throws
     * {@link NodeRemovedException} for a node the swarm no longer has.
     */
    Session register(String nodeId, Node.Description description, String addr);

    /**
     * Keeps the session alive; returns the period within which the next heartbeat must come and
     * the role the managers certify the node for. Throws {@link SessionInvalidException} when the
     * session is unknown (the agent registers again), {@link NodeRemovedException} when the node is.
     */
    Heartbeat heartbeat(String nodeId, String sessionId);

    /**
     * Streams the tasks assigned to this node: first one {@link Assignments.Type#COMPLETE} message
     * with all of them, then {@link Assignments.Type#INCREMENTAL} ones. An incremental message with
     * nothing in it asks the node to heartbeat now: what it is to hold changed (a root rotation
     * began or ended), and the heartbeat's answer says what. Close the result to stop.
     */
    AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener);

    /** Reports observed task states; the dispatcher batches them into store writes. */
    void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates);

    record Session(String sessionId, long heartbeatPeriodNanos, List<String> managers) {}

    /**
     * {@code role} is {@link io.shoal.api.Node#certifiedRole()}: how a promoted or demoted node
     * learns of it (swarmkit's session messages carry the node object for the same reason).
     * {@code tls} is the certificate every node is to have: the roots to trust (during a root
     * rotation the current and the next) and the issuer; a node whose certificate differs renews
     * it at once (swarmkit's session carries the root CA and marks the node for rotation).
     */
    record Heartbeat(long periodNanos, NodeRole role, Node.TlsInfo tls) {
        public Heartbeat(long periodNanos, NodeRole role) {
            this(periodNanos, role, null);
        }
    }

    final class SessionInvalidException extends RuntimeException {
        public SessionInvalidException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The node is no longer in the swarm (it was removed): no session will be opened for it again,
     * and its agent stops trying.
     */
    final class NodeRemovedException extends RuntimeException {
        public NodeRemovedException(String message) {
            super(message, null, false, false);
        }
    }
}
