package io.shoal.daemon;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dispatcher;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.manager.Manager;
import java.util.List;
import java.util.function.Consumer;

/**
 * The in-process transport from this node's agent to its own manager's dispatcher. It reaches
 * the dispatcher only while this manager leads; otherwise the agent is told to retry.
 */
final class LocalDispatcher implements Dispatcher {
    private final Manager manager;

    LocalDispatcher(Manager manager) {
        this.manager = manager;
    }

    private Dispatcher leader() {
        Dispatcher d = manager.dispatcher();
        if (d == null) throw ApiException.unavailable("no leader: the dispatcher is not running on this node");
        return d;
    }

    @Override
    public Session register(String nodeId, Node.Description description, String addr) {
        return leader().register(nodeId, description, addr);
    }

    @Override
    public long heartbeat(String nodeId, String sessionId) {
        return leader().heartbeat(nodeId, sessionId);
    }

    @Override
    public AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener) {
        return leader().assignments(nodeId, sessionId, listener);
    }

    @Override
    public void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        leader().updateTaskStatus(nodeId, sessionId, updates);
    }
}
