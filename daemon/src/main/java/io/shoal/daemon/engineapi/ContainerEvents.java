package io.shoal.daemon.engineapi;

import io.shoal.api.Ids;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.daemon.events.EventJournal;
import io.shoal.daemon.events.EventMessage;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The events of this node's containers (its tasks), as dockerd reports them with scope "local":
 * create, start, kill, oom, die (with the exit code), destroy, and health_status changes. It looks
 * at what the node's worker holds every {@link #PERIOD_MILLIS} and reports every step each task
 * took since the last look, so a task that started and ended in between still gets its start and
 * its die; what was held when it began is its starting point, not news.
 */
public final class ContainerEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ContainerEvents.class);
    static final long PERIOD_MILLIS = 100;

    private record Seen(Task task, String health, ContainerRoutes.Container container) {}

    private final LocalTasks local;
    private final EventJournal journal;
    private final Thread thread;
    private volatile boolean closed;

    public ContainerEvents(LocalTasks local, EventJournal journal) {
        this.local = local;
        this.journal = journal;
        this.thread = Thread.ofVirtual().name("container-events").start(this::run);
    }

    private void run() {
        Map<String, Seen> seen = null;
        try {
            while (!closed) {
                Map<String, Seen> now = new HashMap<>();
                for (ContainerRoutes.Container c : ContainerRoutes.containers(local)) {
                    now.put(c.task().id(), new Seen(c.task(), c.held().health(), c));
                }
                if (seen != null) report(seen, now);
                seen = now;
                Thread.sleep(PERIOD_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("container events stopped", e);
        }
    }

    private void report(Map<String, Seen> before, Map<String, Seen> after) {
        for (Seen s : after.values()) {
            Seen was = before.get(s.task().id());
            steps(s, was == null ? TaskState.NEW : was.task().state());
            String health = s.health();
            if (health != null && (health.equals("healthy") || health.equals("unhealthy"))
                    && (was == null || !health.equals(was.health()))) {
                publish(s.container(), "health_status: " + health, Map.of(), s.task().status().timestamp());
            }
        }
        Set<String> gone = new HashSet<>(before.keySet());
        gone.removeAll(after.keySet());
        for (String id : gone) {
            Seen s = before.get(id);
            if (!s.task().state().isBefore(TaskState.READY) && s.task().state() != TaskState.REJECTED) {
                publish(s.container(), "destroy", Map.of(), Instant.now());
            }
        }
    }

    /** Every event between the state last seen and the task's state now. */
    private void steps(Seen s, TaskState was) {
        Task t = s.task();
        TaskState now = t.state();
        if (now == was || now == TaskState.REJECTED) return;
        TaskStatus status = t.status();
        Instant at = status.timestamp() != null ? status.timestamp() : Instant.now();
        var exit = status.containerStatus();
        // An ended task carries an exit code only if its process ran.
        boolean ran = now == TaskState.RUNNING || now.isTerminal() && exit != null;
        boolean prepared = ran || !now.isBefore(TaskState.READY) && !now.isTerminal();
        if (was.isBefore(TaskState.READY) && prepared) publish(s.container(), "create", Map.of(), at);
        if (was.isBefore(TaskState.RUNNING) && ran) publish(s.container(), "start", Map.of(), at);
        if (!was.isTerminal() && now.isTerminal() && (ran || was == TaskState.RUNNING)) {
            if (now == TaskState.SHUTDOWN) publish(s.container(), "kill", Map.of("signal", "15"), at);
            if (status.message() != null && status.message().contains("OOM")) publish(s.container(), "oom", Map.of(), at);
            publish(s.container(), "die", Map.of("exitCode", exit == null ? "0" : Long.toString(exit.exitCode())), at);
        }
    }

    private void publish(ContainerRoutes.Container c, String action, Map<String, String> extra, Instant at) {
        Map<String, String> attributes = new HashMap<>(ContainerRoutes.labels(c));
        String image = c.task().spec().containerSpec().image();
        attributes.put("image", image);
        attributes.put("name", c.name());
        attributes.putAll(extra);
        journal.publish(EventMessage.container(action, Ids.containerIdOf(c.task().id()), image, attributes,
                at == null ? Instant.now() : at));
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
