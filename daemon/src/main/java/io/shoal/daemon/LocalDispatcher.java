package io.shoal.daemon;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dispatcher;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.manager.Manager;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * How a manager's own agent reaches the dispatcher: in-process while this manager leads, else
 * over the cluster port to the leader ({@code leader} finds it). When leadership moves, calls fail,
 * the agent registers again and lands on the new leader.
 */
final class LocalDispatcher implements Dispatcher {
    private final Manager manager;
    private final Supplier<Dispatcher> leader;

    LocalDispatcher(Manager manager, Supplier<Dispatcher> leader) {
        this.manager = manager;
        this.leader = leader;
    }

    private Dispatcher current() {
        Dispatcher d = manager.dispatcher();
        if (d != null) return d;
        d = leader.get();
        if (d == null) throw ApiException.unavailable("no leader: the dispatcher is not reachable from this node yet");
        return d;
    }

    @Override
    public Session register(String nodeId, Node.Description description, String addr) {
        return current().register(nodeId, description, addr);
    }

    @Override
    public Heartbeat heartbeat(String nodeId, String sessionId) {
        return current().heartbeat(nodeId, sessionId);
    }

    @Override
    public AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener) {
        return current().assignments(nodeId, sessionId, listener);
    }

    @Override
    public void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        current().updateTaskStatus(nodeId, sessionId, updates);
    }
}
