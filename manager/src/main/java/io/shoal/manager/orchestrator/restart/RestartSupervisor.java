package io.shoal.manager.orchestrator.restart;

import io.shoal.api.Node;
import io.shoal.api.NodeAvailability;
import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.manager.orchestrator.Slot;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.Change;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Replaces tasks that ended while they were meant to run, as the service's restart policy says,
 * and moves replicated tasks off nodes that were drained, went down or were removed. A
 * replacement due after a restart delay is created with desired state READY (so it can be
 * scheduled and prepared meanwhile) and told to run once the delay has passed, on a timer. Its
 * ids are tasks: a task is looked at again when it changes, when its node changes, and when its
 * service changes (a new restart delay).
 */
public final class RestartSupervisor extends Controller {
    public RestartSupervisor(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return switch (e.object()) {
            case Task t when e.op() != Change.Op.DELETE -> List.of(t.id());
            case Node n -> store.view(r -> ids(r.tasksOfNode(n.id())));
            case Service s when e.op() == Change.Op.UPDATE -> store.view(r -> ids(r.tasksOfService(s.id())));
            default -> List.of();
        };
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return ids(r.tasks());
    }

    private static List<String> ids(List<Task> tasks) {
        return tasks.stream().map(Task::id).toList();
    }

    @Override
    protected void reconcile(Set<String> taskIds) {
        record Work(Task task, Service service, Node node) {}
        List<Work> work = store.view(r -> {
            List<Work> out = new ArrayList<>();
            for (String id : taskIds) {
                if (!(r.task(id) instanceof Task t) || !t.isRunnable()) continue;
                Service service = r.service(t.serviceId());
                // A job's finished task is its result: it stays desired COMPLETE.
                if (service != null && !(service.mode().isJob() && t.state() == TaskState.COMPLETE)) out.add(new Work(t, service, t.nodeId() == null ? null : r.node(t.nodeId())));
            }
            return out;
        });
        Instant now = clock.instant();
        store.batch(b -> {
            for (Work w : work) {
                Task t = w.task();
                Service service = w.service();
                if (t.state().isTerminal()) {
                    b.update(tx -> restart(tx, t, service, now));
                } else if (t.nodeId() != null && !canKeepRunning(w.node(), service)) {
                    b.update(tx -> moveOffNode(tx, t, service, now));
                } else if (t.desiredState() == TaskState.READY) {
                    Instant due = t.createdAt().plusNanos(RestartPolicy.delayNanos(service));
                    if (!due.isAfter(now)) {
                        b.update(tx -> tx.update(t.withDesiredState(service.mode().runState())));
                    } else {
                        reconcileAfter(t.id(), Duration.between(now, due));
                    }
                }
            }
        });
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
        // A task of a job's earlier run is not replaced: the job orchestrator runs the current one.
        if (!Tasks.ofCurrentRun(ended, service)) return;
        Slot slot = slotOf(tx, ended, service);
        if (!RestartPolicy.shouldRestart(ended, slot, service)) return;
        boolean delayed = RestartPolicy.delayNanos(service) > 0;
        tx.create(replacement(ended, service, delayed ? TaskState.READY : service.mode().runState(), now));
        log.debug("restarting task {} of service {}", ended.id(), service.spec().name());
    }

    private void moveOffNode(io.shoal.store.Tx tx, Task t, Service service, Instant now) {
        tx.update(t.withDesiredState(TaskState.SHUTDOWN));
        if (!service.mode().runsPerNode() && Tasks.ofCurrentRun(t, service)) {
            tx.create(replacement(t, service, service.mode().runState(), now));
        }
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
