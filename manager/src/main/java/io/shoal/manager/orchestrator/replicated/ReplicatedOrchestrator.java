package io.shoal.manager.orchestrator.replicated;

import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.orchestrator.Slot;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps each replicated service at its replica count: fills empty slots with new tasks and,
 * when scaled down, marks the tasks of the surplus slots for removal.
 */
public final class ReplicatedOrchestrator extends Controller {
    private final Clock clock;

    public ReplicatedOrchestrator(Store store, Clock clock) {
        super(store);
        this.clock = clock;
    }

    @Override
    protected boolean isRelevant(Event e) {
        return e.kind() == Kind.SERVICE || e.kind() == Kind.TASK && e.op() != io.shoal.store.Change.Op.CREATE;
    }

    @Override
    protected void reconcile() {
        record Work(Service service, long replicas, List<Task> tasks) {}
        record State(List<Work> work, Set<String> downNodes) {}
        State state = store.view(r -> new State(r.services().stream()
                .filter(s -> s.mode() instanceof ServiceMode.Replicated)
                .map(s -> new Work(s, ((ServiceMode.Replicated) s.mode()).replicas(), r.tasksOfService(s.id())))
                .toList(), Tasks.downNodes(r.nodes())));
        Instant now = clock.instant();
        store.batch(b -> {
            for (Work w : state.work()) reconcile(b, w.service(), w.replicas(), w.tasks(), state.downNodes(), now);
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
