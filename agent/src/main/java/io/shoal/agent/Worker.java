package io.shoal.agent;

import io.shoal.agent.exec.Executor;
import io.shoal.agent.exec.TaskIds;
import io.shoal.agent.exec.TaskController;
import io.shoal.agent.logs.LogCollector;
import io.shoal.api.Task;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.pki.DataKey;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the tasks the managers assign to this node (swarmkit's agent.Worker): one {@link
 * TaskRunner} per task, each task kept on disk under {@code stateDir} with its last reported
 * status, so that a restarted daemon re-adopts its tasks instead of starting them again.
 *
 * <p>{@link #close()} leaves every task as it is; stopping tasks is the managers' decision.
 */
public final class Worker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Worker.class);

    private final Executor executor;
    private final TaskFiles files;
    private final StatusQueue statuses = new StatusQueue();
    private final LogCollector logs = new LogCollector();
    private final HeldDependencies dependencies = new HeldDependencies();
    private final Map<String, TaskRunner> runners = new HashMap<>(); // guarded by this
    private boolean closed; // guarded by this

    /** @param key seals the task files: a task's spec holds its env and more, which stay off the disk in clear */
    public Worker(Executor executor, Path stateDir, DataKey key) {
        this.executor = executor;
        this.files = new TaskFiles(stateDir.resolve("tasks"), key);
    }

    /** Re-adopts the tasks kept on disk and queues their last status again, in case it never reached a manager. */
    public synchronized void start() throws IOException {
        List<Task> held = files.load();
        executor.networking().sweep(held);
        for (Task t : held) {
            if (t.status() != null) statuses.offer(t.id(), t.status());
            run(t);
        }
    }

    /**
     * Queues every held task's last status again, for a new session: the dispatcher acknowledges
     * reports before it writes them, so a leader that died meanwhile may have lost some. Managers
     * drop a report that does not move a task forward, so sending one twice does no harm.
     */
    public synchronized void reportAgain() {
        for (TaskRunner r : runners.values()) {
            Task t = r.held().task();
            if (t.status() != null) statuses.offer(t.id(), t.status());
        }
    }

    /** Applies assignments: a COMPLETE set replaces what this node runs, an INCREMENTAL one changes it. */
    public synchronized void assign(Assignments a) {
        if (closed) return;
        executor.networking().update(a.type() == Assignments.Type.COMPLETE, a.networks(), a.removedNetworks());
        dependencies.apply(a.type(), a.dependencies());
        List<Task> changed = a.changed() == null ? List.of() : a.changed();
        if (a.type() == Assignments.Type.COMPLETE) {
            Set<String> keep = new HashSet<>();
            changed.forEach(t -> keep.add(t.id()));
            runners.values().stream().filter(r -> !keep.contains(r.id())).forEach(TaskRunner::remove);
        }
        for (Task t : changed) {
            TaskRunner r = runners.get(t.id());
            if (r != null) r.update(t);
            else if (TaskIds.isValid(t.id())) run(t);
            else LOG.error("ignoring a task with an invalid id: {}", t.id());
        }
        if (a.removed() != null) {
            for (String id : a.removed()) {
                TaskRunner r = runners.get(id);
                if (r != null) r.remove();
            }
        }
    }

    /** A task this node holds, with the status it last reported and its controller. */
    public record Held(Task task, TaskController controller) {}

    /** The tasks this worker holds, for the node's own view (containers, logs). */
    public synchronized List<Held> held() {
        return runners.values().stream().map(TaskRunner::held).toList();
    }

    /** The capture of the output of this node's tasks, and the way to read it. */
    public LogCollector logs() {
        return logs;
    }

    /**
     * Removes what the node's networking holds beyond its tasks (the routing mesh's endpoint, the
     * gateway bridge, the published ports), as leaving the swarm does once every task is gone.
     */
    public void removeNetworks() {
        executor.networking().sweep(List.of());
    }

    /** The ids of the tasks this worker holds (removed ones leave once they are stopped and deleted). */
    public synchronized Set<String> taskIds() {
        return Set.copyOf(runners.keySet());
    }

    /** The next batch of status reports for the dispatcher; see {@link StatusQueue#take}. */
    List<TaskStatusUpdate> takeStatuses() throws InterruptedException {
        return statuses.take();
    }

    @Override
    public void close() {
        List<TaskRunner> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(runners.values());
        }
        all.forEach(TaskRunner::close);
        logs.close();
    }

    private void run(Task t) {
        var r = new TaskRunner(t, executor.controller(t, dependencies), files, statuses, logs, this::forget);
        runners.put(t.id(), r);
        r.start();
    }

    private synchronized void forget(TaskRunner r) {
        runners.remove(r.id(), r);
    }
}
