package io.shoal.manager.orchestrator.jobs;

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
import io.shoal.manager.orchestrator.global.GlobalOrchestrator;
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
 * Runs each global job once to completion on every node that may run it and that was in the swarm
 * when the run began (swarmkit's rule: a node that joins later waits for the next run). A failed
 * task is replaced on its node by the restart supervisor, which also stops the tasks of drained or
 * removed nodes; a new run (the service was updated) retires the tasks of the earlier ones. Its ids
 * are services: a service is looked at again when it or one of its tasks changes, and every global
 * job when a node changes.
 */
public final class GlobalJobOrchestrator extends Controller {
    public GlobalJobOrchestrator(Store store, Clock clock, Ticker ticker) {
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
        return r.services().stream().filter(s -> s.mode() instanceof ServiceMode.GlobalJob).map(Service::id).toList();
    }

    @Override
    protected void reconcile(Set<String> serviceIds) {
        record State(List<Node> nodes, List<ServiceTasks> work) {}
        State state = store.view(r -> {
            List<ServiceTasks> work = ServiceTasks.read(r, serviceIds,
                    s -> s.mode() instanceof ServiceMode.GlobalJob && s.jobStatus() != null);
            return new State(work.isEmpty() ? List.of() : r.nodes(), work);
        });
        Instant now = clock.instant();
        store.batch(b -> {
            for (ServiceTasks w : state.work()) {
                JobRuns.retireEarlierRuns(b, w.service(), w.tasks());
                startMissing(b, w.service(), JobRuns.current(w.service(), w.tasks()), w.downNodes(), state.nodes(), now);
            }
        });
    }

    private static void startMissing(Store.Batcher b, Service service, List<Task> run, Set<String> down, List<Node> nodes,
                                     Instant now) {
        Map<String, Slot> slots = Slot.of(run, service.mode());
        Instant began = service.jobStatus().lastExecution();
        for (Node node : nodes) {
            if (!GlobalOrchestrator.placesTasksOn(node, service)) continue;
            if (began != null && node.createdAt() != null && !node.createdAt().isBefore(began)) continue;
            Slot slot = slots.get(node.id());
            if (slot != null && slot.isOccupied(service, down)) continue;
            Task t = Tasks.newTask(service, 0, node.id(), TaskState.COMPLETE, now);
            b.update(tx -> tx.create(t));
        }
    }
}
