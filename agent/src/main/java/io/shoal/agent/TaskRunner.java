package io.shoal.agent;

import static io.shoal.api.TaskState.COMPLETE;
import static io.shoal.api.TaskState.STARTING;

import io.shoal.agent.Transitions.Action;
import io.shoal.agent.Transitions.ProcessState;
import io.shoal.agent.exec.ExecException;
import io.shoal.agent.exec.Exit;
import io.shoal.agent.exec.TaskController;
import io.shoal.agent.logs.LogCollector;
import io.shoal.agent.logs.LogOptions;
import io.shoal.api.Ids;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one task through its states on a virtual thread of its own, one step at a time as
 * swarmkit's exec.Do does: {@link Transitions} decides each step, the runner does it (calls the
 * controller, waits for the process) and reports each new state (persisted first, then queued for
 * the dispatcher). The thread owns the task's status and controller; other threads only hand it a
 * newer task, a removal or a close.
 */
final class TaskRunner {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);

    private final String id;
    private final TaskController controller;
    private final TaskFiles files;
    private final StatusQueue statuses;
    private final LogCollector logs;
    private final Consumer<TaskRunner> onRemoved;
    private final Thread thread;

    // handed over by other threads, guarded by this
    private Task latest;
    private boolean removed;
    private boolean closed;
    private boolean changed;

    // owned by the runner thread
    private Task task;
    private volatile TaskStatus status; // volatile: the node's view (held) reads it from other threads
    private CompletableFuture<Exit> exit; // null until the process is waited for
    private Thread waiter;
    private String error; // the controller's, once it failed

    /** {@code task} carries the status to start from: the last one reported, or the manager's for a new task. */
    TaskRunner(Task task, TaskController controller, TaskFiles files, StatusQueue statuses, LogCollector logs,
               Consumer<TaskRunner> onRemoved) {
        this.id = task.id();
        this.controller = controller;
        this.files = files;
        this.statuses = statuses;
        this.logs = logs;
        this.onRemoved = onRemoved;
        this.latest = task;
        this.status = task.status() != null ? task.status() : TaskStatus.of(TaskState.NEW, "", Instant.now());
        this.thread = Thread.ofVirtual().name("task-" + id).unstarted(this::run);
    }

    /** The task as last assigned, its last reported status and its controller: this node's view of it. */
    synchronized Worker.Held held() {
        return new Worker.Held(latest.withStatus(status), controller);
    }

    String id() {
        return id;
    }

    void start() {
        thread.start();
    }

    synchronized void update(Task t) {
        latest = t;
        wake();
    }

    synchronized void remove() {
        removed = true;
        wake();
    }

    /** Stops driving the task and leaves it as it is (running or not), for a later daemon to re-adopt. */
    void close() {
        synchronized (this) {
            closed = true;
            wake();
        }
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void wake() {
        changed = true;
        notifyAll();
    }

    private void run() {
        try {
            for (;;) {
                Task t;
                boolean remove;
                synchronized (this) {
                    if (closed) return;
                    t = latest;
                    remove = removed;
                    changed = false;
                }
                if (t != task) {
                    task = t;
                    persist();
                }
                if (remove) {
                    removeTask();
                    return;
                }
                if (!step()) {
                    synchronized (this) {
                        while (!changed) wait();
                    }
                }
            }
        } catch (InterruptedException e) {
            // closed
        } catch (RuntimeException e) {
            LOG.error("task {}: runner failed", id, e);
        } finally {
            if (waiter != null) waiter.interrupt();
        }
    }

    /** One step towards the desired state; false when there is nothing to do until the task changes or its process exits. */
    private boolean step() throws InterruptedException {
        return execute(Transitions.next(status.state(), task.desiredState(), process()));
    }

    private boolean execute(Action action) throws InterruptedException {
        switch (action) {
            case Action.Nothing _ -> {
                return false;
            }
            case Action.Report r -> {
                return report(r);
            }
            case Action.Prepare _ -> {
                try {
                    controller.prepare();
                } catch (ExecException e) {
                    return failed(e);
                }
                return report(Transitions.PREPARED);
            }
            case Action.Start _ -> {
                try {
                    controller.start();
                } catch (ExecException e) {
                    return failed(e);
                }
                return report(Transitions.STARTED);
            }
            case Action.AwaitExit _ -> {
                captureLogs();
                awaitExit();
                return true;
            }
            case Action.Shutdown s -> {
                if (s.awaitExitFirst()) awaitExit();
                try {
                    controller.shutdown();
                } catch (ExecException e) {
                    return failed(e);
                }
                return report(Transitions.shutDown(exit == null ? null : exitCode()));
            }
        }
    }

    /** What is known of the task's process, from what the controller said and the waiter learned. */
    private ProcessState process() throws InterruptedException {
        if (error != null) return new ProcessState.Failed(error);
        if (exit == null) return new ProcessState.NotStarted();
        if (!exit.isDone()) return new ProcessState.Running();
        try {
            return new ProcessState.Exited(exit.get());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InterruptedException) throw new InterruptedException();
            if (e.getCause() instanceof ExecException x) return recordError(x);
            LOG.error("task {}: waiting for its exit failed", id, e.getCause());
            return recordError(new ExecException("task: waiting for exit: " + e.getCause(), e.getCause()));
        }
    }

    /** A controller error ends the task: the next step reports it. */
    private boolean failed(ExecException e) throws InterruptedException {
        recordError(e);
        return step();
    }

    private ProcessState recordError(ExecException e) {
        LOG.warn("task {}: {}", id, e.getMessage());
        error = e.getMessage();
        return new ProcessState.Failed(error);
    }

    /** Waits for the process on a thread of its own, so that a new desired state can still be acted on meanwhile. */
    private void awaitExit() {
        exit = new CompletableFuture<>();
        exit.whenComplete((x, e) -> wake());
        waiter = Thread.ofVirtual().name("task-" + id + "-wait").start(() -> {
            try {
                exit.complete(controller.await());
            } catch (Throwable e) {
                exit.completeExceptionally(e);
            }
        });
    }

    /** From the first RUNNING step on, a new task's and a re-adopted one's alike, until it exits. */
    private void captureLogs() {
        LogOptions options;
        try {
            options = LogOptions.of(task.spec() == null ? null : task.spec().logDriver());
        } catch (RuntimeException e) {
            LOG.warn("task {}: log options ignored: {}", id, e.getMessage());
            options = LogOptions.UNLIMITED;
        }
        logs.watch(id, controller.logDirectory(), options);
    }

    private Integer exitCode() throws InterruptedException {
        try {
            return exit.get().code();
        } catch (ExecutionException e) {
            return null;
        }
    }

    /**
     * Records and queues a new state; never one earlier than (or equal to) the one already reported.
     * The states before STARTING are not saved: a daemon restarted meanwhile takes the task up from
     * the last saved one, and accepting and preparing again does no harm (prepare finds its work
     * done), while a container may exist from STARTING on.
     */
    private boolean report(Action.Report r) {
        TaskState state = r.state();
        if (!state.isAfter(status.state())) return false;
        if (state.isTerminal()) logs.finish(id); // the process has ended, or never will
        long pid = controller.pid();
        var container = pid == 0 ? null : new TaskStatus.ContainerStatus(Ids.containerIdOf(id), pid, r.exitCode() == null ? 0 : r.exitCode());
        status = new TaskStatus(Instant.now(), state, r.message(), r.error(), container, null);
        if (!state.isBefore(STARTING)) persist();
        statuses.offer(id, status);
        return true;
    }

    private void persist() {
        try {
            files.write(task.withStatus(status));
        } catch (IOException e) {
            LOG.error("task {}: saving its state failed: {}", id, e.toString());
        }
    }

    /** The task left this node's assignments: stop it if it runs, delete what it made, forget it. */
    private void removeTask() throws InterruptedException {
        logs.unwatch(id);
        try {
            if (!status.state().isBefore(STARTING) && status.state().isBefore(COMPLETE)) controller.shutdown();
            controller.remove();
        } catch (ExecException e) {
            LOG.error("task {}: removing failed: {}", id, e.getMessage());
        }
        try {
            files.delete(id);
        } catch (IOException e) {
            LOG.error("task {}: deleting its state failed: {}", id, e.toString());
        }
        onRemoved.accept(this);
    }
}
