package io.shoal.manager.orchestrator.restart;

import io.shoal.api.Node;
import io.shoal.api.NodeAvailability;
import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.orchestrator.Slot;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Replaces tasks that ended while they were meant to run, as the service's restart policy says,
 * and moves replicated tasks off nodes that were drained, went down or were removed. A
 * replacement due after a restart delay is created with desired state READY (so it can be
 * scheduled and prepared meanwhile) and told to run once the delay has passed.
 */
public final class RestartSupervisor extends Controller {
    private final Clock clock;
    private volatile long nextDueMillis = 1000;

    public RestartSupervisor(Store store, Clock clock) {
        super(store);
        this.clock = clock;
    }

    @Override
    protected boolean isRelevant(Event e) {
        return e.kind() == Kind.TASK || e.kind() == Kind.NODE;
    }

    @Override
    protected long tickMillis() {
        return nextDueMillis;
    }

    @Override
    protected void reconcile() {
        Instant now = clock.instant();
        long[] nextDue = {1000};
        record State(List<Task> tasks, Map<String, Service> services, Map<String, Node> nodes) {}
        State state = store.view(r -> new State(r.tasks(),
                r.services().stream().collect(Collectors.toMap(Service::id, s -> s)),
                r.nodes().stream().collect(Collectors.toMap(Node::id, n -> n))));
        store.batch(b -> {
            for (Task t : state.tasks()) {
                if (!t.isRunnable()) continue;
                Service service = state.services().get(t.serviceId());
                if (service == null) continue;
                if (t.state().isTerminal()) {
                    b.update(tx -> restart(tx, t, service, now));
                } else if (t.nodeId() != null && !canKeepRunning(state.nodes().get(t.nodeId()), service)) {
                    b.update(tx -> moveOffNode(tx, t, service, now));
                } else if (t.desiredState() == TaskState.READY) {
                    Instant due = t.createdAt().plusNanos(RestartPolicy.delayNanos(service));
                    if (!due.isAfter(now)) {
                        b.update(tx -> tx.update(t.withDesiredState(TaskState.RUNNING)));
                    } else {
                        nextDue[0] = Math.min(nextDue[0], Math.max(10, Duration.between(now, due).toMillis()));
                    }
                }
            }
        });
        nextDueMillis = nextDue[0];
    }

    /**
     * A node that still may run this service's tasks; a down node's tasks are moved only where a
     * task may fill its slot on another node, not where the slot is the node.
     */
    private static boolean canKeepRunning(Node node, Service service) {
        if (node == null || node.availability() == NodeAvailability.DRAIN) return false;
        return service.mode().runsPerNode() || !node.isDown();
    }

    private void restart(io.shoal.store.Tx tx, Task ended, Service service, Instant now) {
        tx.update(ended.withDesiredState(TaskState.SHUTDOWN));
        Slot slot = slotOf(tx, ended, service);
        if (!RestartPolicy.shouldRestart(ended, slot, service)) return;
        boolean delayed = RestartPolicy.delayNanos(service) > 0;
        tx.create(replacement(ended, service, delayed ? TaskState.READY : TaskState.RUNNING, now));
        log.debug("restarting task {} of service {}", ended.id(), service.spec().name());
    }

    private void moveOffNode(io.shoal.store.Tx tx, Task t, Service service, Instant now) {
        tx.update(t.withDesiredState(TaskState.SHUTDOWN));
        if (!service.mode().runsPerNode()) tx.create(replacement(t, service, TaskState.RUNNING, now));
    }

    /** A new task for the ended one's slot: on the same node where the slot is the node. */
    private static Task replacement(Task old, Service service, TaskState desired, Instant now) {
        String node = service.mode().runsPerNode() ? old.nodeId() : null;
        return Tasks.newTask(service, old.slot(), node, desired, now);
    }

    private static Slot slotOf(ReadTx r, Task t, Service service) {
        ServiceMode mode = service.mode();
        String key = mode.slotOf(t);
        List<Task> siblings = r.tasksOfService(service.id()).stream().filter(o -> key.equals(mode.slotOf(o))).toList();
        return Slot.of(siblings, mode).values().iterator().next();
    }
}
