package io.shoal.manager.orchestrator.replicated;

import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.manager.orchestrator.ServiceTasks;
import io.shoal.manager.orchestrator.Slot;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.Change;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps each replicated service at its replica count: fills empty slots with new tasks and,
 * when scaled down, marks the tasks of the surplus slots for removal. Its ids are services: a
 * service is looked at again when it changes, when one of its tasks changes or goes (a new task
 * only fills a slot), or when a node holding one of its tasks changes (a stopping task on a node
 * that went down is no longer waited for).
 */
public final class ReplicatedOrchestrator extends Controller {
    public ReplicatedOrchestrator(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return switch (e.object()) {
            case Service s -> List.of(s.id());
            case Task t when e.op() != Change.Op.CREATE -> List.of(t.serviceId());
            case Node n -> store.view(r -> Tasks.servicesOnNode(r, n.id()));
            default -> List.of();
        };
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return r.services().stream().filter(s -> s.mode() instanceof ServiceMode.Replicated).map(Service::id).toList();
    }

    @Override
    protected void reconcile(Set<String> serviceIds) {
        List<ServiceTasks> work = store.view(r ->
                ServiceTasks.read(r, serviceIds, s -> s.mode() instanceof ServiceMode.Replicated));
        Instant now = clock.instant();
        store.batch(b -> {
            for (ServiceTasks w : work) {
                long replicas = ((ServiceMode.Replicated) w.service().mode()).replicas();
                reconcile(b, w.service(), replicas, w.tasks(), w.downNodes(), now);
            }
        });
    }

    private void reconcile(Store.Batcher b, Service service, long want, List<Task> tasks, Set<String> down, Instant now) {
        Map<String, Slot> slots = Slot.of(tasks, service.mode());
        List<Slot> occupied = new ArrayList<>();
        for (Slot s : slots.values()) {
            if (s.isOccupied(service, down)) occupied.add(s);
        }
        if (occupied.size() < want) {
            long missing = want - occupied.size();
            for (long slot = 1; missing > 0; slot++) {
                Slot existing = slots.get(Long.toString(slot));
                if (existing != null && existing.isOccupied(service, down)) continue;
                Task t = Tasks.newTask(service, slot, null, TaskState.RUNNING, now);
                b.update(tx -> tx.create(t));
                missing--;
            }
        } else if (occupied.size() > want) {
            for (Slot s : surplus(occupied, (int) (occupied.size() - want))) {
                for (Task t : s.tasks()) {
                    if (t.desiredState() != TaskState.REMOVE) b.update(tx -> tx.update(t.withDesiredState(TaskState.REMOVE)));
                }
            }
        }
    }

    /**
     * Which slots to give up when scaling down: those on the nodes that hold most of the service's
     * tasks first (to keep it spread), then those not running yet, then the highest slot numbers.
     */
    static List<Slot> surplus(List<Slot> occupied, int count) {
        Map<String, Integer> perNode = new HashMap<>();
        for (Slot s : occupied) {
            String node = nodeOf(s);
            if (node != null) perNode.merge(node, 1, Integer::sum);
        }
        List<Slot> order = new ArrayList<>(occupied);
        List<Slot> chosen = new ArrayList<>();
        // Take one slot at a time, recounting, so that surplus nodes are evened out rather than emptied.
        while (chosen.size() < count) {
            order.sort(Comparator
                    .comparing((Slot s) -> -perNode.getOrDefault(nodeOf(s), 0))
                    .thenComparing(s -> isRunning(s) ? 1 : 0)
                    .thenComparing(s -> -Long.parseLong(s.key())));
            Slot s = order.removeFirst();
            chosen.add(s);
            String node = nodeOf(s);
            if (node != null) perNode.merge(node, -1, Integer::sum);
        }
        return chosen;
    }

    private static String nodeOf(Slot s) {
        List<Task> runnable = s.runnable();
        return runnable.isEmpty() ? s.newest().nodeId() : runnable.getLast().nodeId();
    }

    private static boolean isRunning(Slot s) {
        return s.runnable().stream().anyMatch(t -> t.state() == TaskState.RUNNING);
    }
}
