package io.shoal.agent;

import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A manager as one node sees it: holds the node's tasks, streams them (COMPLETE on subscribe,
 * then INCREMENTAL), and records every status batch it receives, checking that each task's
 * states only move forward.
 */
final class FakeDispatcher implements DispatcherProtocol {
    static final long HEARTBEAT_NANOS = 50_000_000;

    private final Map<String, Task> tasks = new LinkedHashMap<>(); // guarded by this
    private final List<List<TaskStatusUpdate>> batches = new ArrayList<>(); // guarded by this
    private final Map<String, List<TaskStatus>> received = new LinkedHashMap<>(); // guarded by this
    private final List<String> backwards = new ArrayList<>(); // guarded by this
    private final Set<String> validSessions = ConcurrentHashMap.newKeySet();
    private Consumer<Assignments> listener; // guarded by this
    private int registrations; // guarded by this
    private int failStatusCalls; // guarded by this
    Node.Description description;
    /** The role every heartbeat certifies the node for. */
    volatile io.shoal.pki.NodeRole role = io.shoal.pki.NodeRole.WORKER;
    /** Once set, the node is refused as removed from the swarm. */
    volatile boolean removed;

    @Override
    public synchronized Session register(String nodeId, Node.Description d, String addr) {
        registrations++;
        if (removed) throw new NodeRemovedException("node " + nodeId + " was removed from the swarm");
        description = d;
        String id = "session-" + registrations;
        validSessions.add(id);
        return new Session(id, HEARTBEAT_NANOS, List.of());
    }

    @Override
    public Heartbeat heartbeat(String nodeId, String sessionId) {
        if (removed) throw new NodeRemovedException("node " + nodeId + " was removed from the swarm");
        if (!validSessions.contains(sessionId)) throw new SessionInvalidException("unknown session " + sessionId);
        return new Heartbeat(HEARTBEAT_NANOS, role);
    }

    @Override
    public synchronized AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> l) {
        listener = l;
        l.accept(new Assignments(Assignments.Type.COMPLETE, List.copyOf(tasks.values()), List.of()));
        return () -> {
            synchronized (this) {
                if (listener == l) listener = null;
            }
        };
    }

    @Override
    public synchronized void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        if (!validSessions.contains(sessionId)) throw new SessionInvalidException("unknown session " + sessionId);
        if (failStatusCalls > 0) {
            failStatusCalls--;
            throw new IllegalStateException("injected failure");
        }
        batches.add(List.copyOf(updates));
        for (var u : updates) {
            var list = received.computeIfAbsent(u.taskId(), k -> new ArrayList<>());
            if (!list.isEmpty() && !u.status().state().isAfter(list.getLast().state())) {
                backwards.add(u.taskId() + ": " + list.getLast().state() + " then " + u.status().state());
            }
            list.add(u.status());
        }
    }

    /** What a leader that died before writing the reports it acknowledged leaves behind: nothing of them. */
    synchronized void loseReceivedStatuses() {
        received.clear();
    }

    /** Adds or changes a task, as the managers would, and streams the change. */
    synchronized void put(Task t) {
        tasks.put(t.id(), t);
        if (listener != null) listener.accept(new Assignments(Assignments.Type.INCREMENTAL, List.of(t), List.of()));
    }

    synchronized void remove(String taskId) {
        tasks.remove(taskId);
        if (listener != null) listener.accept(new Assignments(Assignments.Type.INCREMENTAL, List.of(), List.of(taskId)));
    }

    /** Forgets every session, as a restarted or new leader would. */
    void invalidateSessions() {
        validSessions.clear();
    }

    synchronized void failNextStatusCalls(int n) {
        failStatusCalls = n;
    }

    synchronized int registrations() {
        return registrations;
    }

    synchronized TaskStatus last(String taskId) {
        var list = received.get(taskId);
        return list == null ? null : list.getLast();
    }

    boolean reached(String taskId, TaskState state) {
        var s = last(taskId);
        return s != null && !s.state().isBefore(state);
    }

    synchronized List<TaskState> states(String taskId) {
        return received.getOrDefault(taskId, List.of()).stream().map(TaskStatus::state).toList();
    }

    synchronized List<List<TaskStatusUpdate>> batches() {
        return List.copyOf(batches);
    }

    synchronized List<String> backwards() {
        return List.copyOf(backwards);
    }

    /** Every pid any status carried, for cleaning up. */
    synchronized List<Long> pids() {
        return received.values().stream().flatMap(List::stream)
                .filter(s -> s.containerStatus() != null).map(s -> s.containerStatus().pid()).distinct().toList();
    }
}
