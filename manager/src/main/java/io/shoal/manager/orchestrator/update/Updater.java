package io.shoal.manager.orchestrator.update;

import io.shoal.api.Defaults;
import io.shoal.api.FailureAction;
import io.shoal.api.ServiceMode;
import io.shoal.api.UpdateOrder;
import io.shoal.api.UpdateState;
import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.manager.allocator.Endpoints;
import io.shoal.manager.orchestrator.ServiceTasks;
import io.shoal.manager.orchestrator.Slot;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.manager.orchestrator.global.GlobalOrchestrator;
import io.shoal.manager.orchestrator.restart.RestartPolicy;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Rolls a changed service spec out over its slots, {@code Parallelism} slots at a time with
 * {@code Delay} between batches. Stop-first tells the old task to stop and lets the orchestrator
 * refill the slot once it has; start-first starts the new task beside the old one and stops the
 * old one once the new one runs. A new task that fails during the update triggers the failure
 * action: pause, rollback to the previous spec, or continue. Its ids are services: a service is
 * looked at again when it or one of its tasks changes, every service rolling out when a node
 * changes (a drained or down node's slot is not waited for), and on a timer when the update delay
 * or the monitor period ends.
 */
public final class Updater extends Controller {
    /** When each service's last batch finished: the update delay counts from there. */
    private final Map<String, Instant> batchDoneAt = new ConcurrentHashMap<>();

    public Updater(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return switch (e.object()) {
            case Service s -> List.of(s.id());
            case Task t -> List.of(t.serviceId());
            case Node n -> store.view(this::all);
            default -> List.of();
        };
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return r.services().stream().filter(s -> Service.UpdateStatus.isRollingOut(s.updateStatus())).map(Service::id).toList();
    }

    @Override
    protected void reconcile(Set<String> serviceIds) {
        record State(List<ServiceTasks> work, Map<String, Node> nodes) {}
        State state = store.view(r -> {
            List<ServiceTasks> work = ServiceTasks.read(r, serviceIds, s -> Service.UpdateStatus.isRollingOut(s.updateStatus()));
            return new State(work, work.isEmpty() ? Map.of()
                    : r.nodes().stream().collect(Collectors.toMap(Node::id, n -> n)));
        });
        // A service that stopped rolling out (paused, done, deleted) starts its next update afresh.
        Set<String> rolling = state.work().stream().map(w -> w.service().id()).collect(Collectors.toSet());
        serviceIds.stream().filter(id -> !rolling.contains(id)).forEach(batchDoneAt::remove);
        Instant now = clock.instant();
        store.batch(b -> {
            for (ServiceTasks w : state.work()) reconcile(b, w.service(), w.tasks(), w.downNodes(), state.nodes(), now);
        });
    }

    private void reconcile(Store.Batcher b, Service service, List<Task> tasks, Set<String> down, Map<String, Node> nodes,
                           Instant now) {
        Service.UpdateStatus status = service.updateStatus();
        boolean rollingBack = status.state() == UpdateState.ROLLBACK_STARTED;
        ServiceSpec.UpdateConfig config = Defaults.updateConfig(
                rollingBack ? service.spec().rollbackConfig() : service.spec().updateConfig());
        Map<String, Slot> slots = Slot.of(tasks, service.mode());

        List<Task> failures = tasks.stream().filter(t -> isFailure(t, service, status.startedAt())).toList();
        if (!failures.isEmpty() && config.failureAction() != FailureAction.CONTINUE
                && failures.size() > config.maxFailureRatio() * slots.size()) {
            b.update(tx -> {
                // A rollback brings the previous endpoint spec back: its ports and VIPs are allocated again.
                Service next = afterFailure(service, config, failures.getFirst(), rollingBack, now);
                tx.update(next.withEndpoint(Endpoints.of(next, tx)));
            });
            return;
        }

        List<Slot> candidates = new ArrayList<>();
        int inFlight = 0;
        int occupied = 0;
        for (Slot slot : slots.values()) {
            if (slot.isOccupied(service, down)) occupied++;
            List<Task> fresh = slot.runnable().stream().filter(t -> Tasks.isCurrent(t, service)).toList();
            List<Task> stale = slot.runnable().stream().filter(t -> !Tasks.isCurrent(t, service)).toList();
            boolean freshRunning = fresh.stream().anyMatch(t -> t.state() == TaskState.RUNNING);
            if (!stale.isEmpty() && freshRunning) {
                // Start-first: the new task runs, so the old one may go.
                for (Task t : stale) b.update(tx -> tx.update(t.withDesiredState(TaskState.SHUTDOWN)));
            } else if (!stale.isEmpty() && fresh.isEmpty()) {
                candidates.add(slot);
            } else if (!fresh.isEmpty() && !freshRunning || slot.hasStopping(down)
                    || !slot.isOccupied(service, down) && willBeRefilled(slot, service, nodes)) {
                inFlight++;
            }
        }
        // Replicated slots still to be refilled: the orchestrator picks the lowest free slot numbers,
        // not necessarily the ones the update emptied, so count them rather than name them.
        if (service.mode() instanceof ServiceMode.Replicated r) inFlight += (int) Math.max(0, r.replicas() - occupied);
        if (candidates.isEmpty() && inFlight == 0) {
            // As swarmkit does, watch the new tasks for one more monitor period before calling the
            // update complete: a failure in that window still triggers the failure action.
            Instant doneAt = batchDoneAt.computeIfAbsent(service.id(), id -> now);
            if (waitsUntil(service, doneAt.plusNanos(config.monitor()), now)) return;
            batchDoneAt.remove(service.id());
            b.update(tx -> tx.update(service.withUpdateStatus(new Service.UpdateStatus(
                    rollingBack ? UpdateState.ROLLBACK_COMPLETED : UpdateState.COMPLETED, status.startedAt(), now,
                    rollingBack ? "rollback completed" : "update completed"))));
            return;
        }
        if (inFlight > 0) {
            batchDoneAt.put(service.id(), now);
            return;
        }
        Instant doneAt = batchDoneAt.get(service.id());
        if (doneAt != null && waitsUntil(service, doneAt.plusNanos(config.delay()), now)) return;

        long parallelism = config.parallelism() == 0 ? Long.MAX_VALUE : config.parallelism();
        boolean startFirst = config.order() == UpdateOrder.START_FIRST;
        candidates.stream().limit(parallelism).forEach(slot -> {
            if (startFirst) {
                Task stale = slot.runnable().getFirst();
                Task fresh = Tasks.newTask(service, stale.slot(), service.mode().runsPerNode() ? stale.nodeId() : null,
                        TaskState.RUNNING, now);
                b.update(tx -> tx.create(fresh));
            } else {
                for (Task t : slot.runnable()) b.update(tx -> tx.update(t.withDesiredState(TaskState.SHUTDOWN)));
            }
        });
        batchDoneAt.put(service.id(), now);
    }

    /** Whether {@code due} is still ahead; if so the service is looked at again then. */
    private boolean waitsUntil(Service service, Instant due, Instant now) {
        if (!now.isBefore(due)) return false;
        reconcileAfter(service.id(), Duration.between(now, due));
        return true;
    }

    /**
     * Whether the global orchestrator is going to put a task back on this empty slot's node. One
     * that takes no new tasks (drained, paused, down, removed, no longer matching) stays empty and
     * must not hold the update back. (Replicated slots are counted in {@link #reconcile}.)
     */
    private static boolean willBeRefilled(Slot slot, Service service, Map<String, Node> nodes) {
        return service.mode().runsPerNode() && slot.newest().desiredState() != TaskState.REMOVE
                && GlobalOrchestrator.placesTasksOn(nodes.get(slot.key()), service);
    }

    /** A task of the new spec that ended on its own after the update began. */
    private static boolean isFailure(Task t, Service service, Instant since) {
        return Tasks.isCurrent(t, service) && RestartPolicy.endedOnItsOwn(t) && t.state() != TaskState.COMPLETE
                && (since == null || t.status().timestamp() == null || !t.status().timestamp().isBefore(since));
    }

    private static Service afterFailure(Service service, ServiceSpec.UpdateConfig config, Task failed,
                                        boolean rollingBack, Instant now) {
        String cause = "due to failure or early termination of task " + failed.id();
        if (config.failureAction() == FailureAction.ROLLBACK && !rollingBack && service.previousSpec() != null) {
            return service.withSpec(service.previousSpec(), service.spec()).withUpdateStatus(
                    new Service.UpdateStatus(UpdateState.ROLLBACK_STARTED, now, null, "update rolled back " + cause));
        }
        return service.withUpdateStatus(new Service.UpdateStatus(rollingBack ? UpdateState.ROLLBACK_PAUSED : UpdateState.PAUSED,
                service.updateStatus().startedAt(), null, (rollingBack ? "rollback paused " : "update paused ") + cause));
    }
}
