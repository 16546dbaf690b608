package io.shoal.manager.orchestrator.global;

import io.shoal.api.Node;
import io.shoal.api.NodeAvailability;
import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.manager.orchestrator.ServiceTasks;
import io.shoal.manager.orchestrator.Slot;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.manager.scheduler.Constraint;
import io.shoal.store.Change;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Keeps one task of each global service on every node that may run it (ready, not paused or
 * drained, matching the service's constraints), and stops the tasks on nodes that no longer may.
 * Its ids are services: a service is looked at again when it or one of its tasks changes (a new
 * task only fills a node's slot), and every global service when a node changes.
 */
public final class GlobalOrchestrator extends Controller {
    public GlobalOrchestrator(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return switch (e.object()) {
            case Service s -> List.of(s.id());
            case Task t when e.op() != Change.Op.CREATE -> List.of(t.serviceId());
            case Node n -> store.view(this::all);
            default -> List.of();
        };
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return r.services().stream().filter(s -> s.mode() instanceof ServiceMode.Global).map(Service::id).toList();
    }

    @Override
    protected void reconcile(Set<String> serviceIds) {
        record State(List<Node> nodes, List<ServiceTasks> work) {}
        State state = store.view(r -> {
            List<ServiceTasks> work = ServiceTasks.read(r, serviceIds, s -> s.mode() instanceof ServiceMode.Global);
            return new State(work.isEmpty() ? List.of() : r.nodes(), work);
        });
        Instant now = clock.instant();
        store.batch(b -> {
            for (ServiceTasks w : state.work()) reconcile(b, w.service(), w.tasks(), w.downNodes(), state.nodes(), now);
        });
    }

    private void reconcile(Store.Batcher b, Service service, List<Task> tasks, Set<String> down, List<Node> nodes,
                           Instant now) {
        Map<String, Slot> slots = Slot.of(tasks, service.mode());
        List<Constraint> constraints = constraints(service);
        for (Node node : nodes) {
            Slot slot = slots.remove(node.id());
            if (!matches(node, constraints) || node.availability() == NodeAvailability.DRAIN) {
                if (slot != null) shutDown(b, slot);
            } else if ((slot == null || !slot.isOccupied(service, down)) && placesTasksOn(node, constraints)) {
                Task t = Tasks.newTask(service, 0, node.id(), TaskState.RUNNING, now);
                b.update(tx -> tx.create(t));
            }
        }
        // What is left sits on nodes that were removed from the swarm.
        for (Slot slot : slots.values()) shutDown(b, slot);
    }

    /** Whether the orchestrator would give {@code node} a task of this global service: it exists, takes tasks and matches. */
    public static boolean placesTasksOn(Node node, Service service) {
        return placesTasksOn(node, constraints(service));
    }

    private static boolean placesTasksOn(Node node, List<Constraint> constraints) {
        return node != null && node.takesTasks() && matches(node, constraints);
    }

    private static boolean matches(Node node, List<Constraint> constraints) {
        return constraints.stream().allMatch(c -> c.matches(node));
    }

    private static List<Constraint> constraints(Service service) {
        var placement = service.spec().taskTemplate().placement();
        return Constraint.parseAll(placement == null ? null : placement.constraints());
    }

    private static void shutDown(Store.Batcher b, Slot slot) {
        for (Task t : slot.runnable()) b.update(tx -> tx.update(t.withDesiredState(TaskState.SHUTDOWN)));
    }
}
