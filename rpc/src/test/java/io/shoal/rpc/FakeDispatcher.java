package io.shoal.rpc;

import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A manager's dispatcher reduced to what the RPC layer must carry, recording every call. */
final class FakeDispatcher implements DispatcherProtocol {
    static final long PERIOD = 1_000_000_000L;
    static final long NEXT_PERIOD = 2_000_000_000L;

    final List<String> calls = new CopyOnWriteArrayList<>();
    final List<Node.Description> descriptions = new CopyOnWriteArrayList<>();
    final List<TaskStatusUpdate> statuses = new CopyOnWriteArrayList<>();
    final List<String> closedSubscriptions = new CopyOnWriteArrayList<>();
    final Map<String, Consumer<Assignments>> listeners = new ConcurrentHashMap<>();
    private final Map<String, String> sessions = new ConcurrentHashMap<>();
    private final List<Task> assigned;

    FakeDispatcher(List<Task> assigned) {
        this.assigned = assigned;
    }

    @Override
    public Session register(String nodeId, Node.Description description, String addr) {
        calls.add("register " + nodeId + " " + addr);
        descriptions.add(description);
        String session = "session-" + nodeId + "-" + calls.size();
        sessions.put(nodeId, session);
        return new Session(session, PERIOD, List.of("10.0.0.1:2377"));
    }

    @Override
    public Heartbeat heartbeat(String nodeId, String sessionId) {
        calls.add("heartbeat " + nodeId);
        require(nodeId, sessionId);
        return new Heartbeat(NEXT_PERIOD, io.shoal.pki.NodeRole.WORKER);
    }

    @Override
    public AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener) {
        calls.add("assignments " + nodeId);
        require(nodeId, sessionId);
        listener.accept(new Assignments(Assignments.Type.COMPLETE, assigned, List.of()));
        listeners.put(nodeId, listener);
        return () -> {
            listeners.remove(nodeId, listener);
            closedSubscriptions.add(nodeId);
        };
    }

    @Override
    public void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        calls.add("status " + nodeId);
        require(nodeId, sessionId);
        statuses.addAll(updates);
    }

    void push(String nodeId, Assignments a) {
        listeners.get(nodeId).accept(a);
    }

    private void require(String nodeId, String sessionId) {
        if (!sessionId.equals(sessions.get(nodeId))) {
            throw new SessionInvalidException("session " + sessionId + " of node " + nodeId + " is not valid");
        }
    }
}
