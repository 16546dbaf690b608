package io.shoal.daemon;

import io.shoal.pki.NodeRole;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dispatcher;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import java.util.List;
import java.util.function.Consumer;

/**
 * The agent's dispatcher, passed through, telling the daemon when a heartbeat reports another role
 * than the one this member runs as: the node was promoted or demoted.
 */
final class RoleWatch implements Dispatcher {
    private final Dispatcher dispatcher;
    private final NodeRole role;
    private final Consumer<NodeRole> changed;

    RoleWatch(Dispatcher dispatcher, NodeRole role, Consumer<NodeRole> changed) {
        this.dispatcher = dispatcher;
        this.role = role;
        this.changed = changed;
    }

    @Override
    public Session register(String nodeId, Node.Description description, String addr) {
        return dispatcher.register(nodeId, description, addr);
    }

    @Override
    public Heartbeat heartbeat(String nodeId, String sessionId) {
        Heartbeat beat = dispatcher.heartbeat(nodeId, sessionId);
        if (beat.role() != null && beat.role() != role) changed.accept(beat.role());
        return beat;
    }

    @Override
    public AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener) {
        return dispatcher.assignments(nodeId, sessionId, listener);
    }

    @Override
    public void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        dispatcher.updateTaskStatus(nodeId, sessionId, updates);
    }
}
