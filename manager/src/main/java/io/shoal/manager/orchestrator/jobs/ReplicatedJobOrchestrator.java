package io.shoal.manager.orchestrator.jobs;

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
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs each replicated job to {@code TotalCompletions} tasks that exit 0, at most
 * {@code MaxConcurrent} at a time. Every task of a run has a slot of its own, 0 to TotalCompletions - 1
 * (swarmkit's numbering, which the docker CLI's job progress counts on):
 * a slot is done once a task in it completed (or failed and its restart policy gave up), and a
 * failed task is replaced in its slot by the restart supervisor, so this orchestrator only opens
 * new slots while fewer than MaxConcurrent are in progress. A new run (the service was updated)
 * retires the tasks of the earlier ones. Its ids are services: a service is looked at again when it
 * changes and when one of its tasks changes or goes.
 */
public final class ReplicatedJobOrchestrator extends Controller {
    public ReplicatedJobOrchestrator(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return switch (e.object()) {
            case Service s -> List.of(s.id());
            case Task t when e.op() != Change.Op.CREATE -> List.of(t.serviceId());
            default -> List.of();
        };
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return r.services().stream().filter(s -> s.mode() instanceof ServiceMode.ReplicatedJob).map(Service::id).toList();
    }

    @Override
    protected void reconcile(Set<String> serviceIds) {
        List<ServiceTasks> work = store.view(r ->
                ServiceTasks.read(r, serviceIds, s -> s.mode() instanceof ServiceMode.ReplicatedJob && s.jobStatus() != null));
        Instant now = clock.instant();
        store.batch(b -> {
            for (ServiceTasks w : work) {
                JobRuns.retireEarlierRuns(b, w.service(), w.tasks());
                startMore(b, w.service(), JobRuns.current(w.service(), w.tasks()), w.downNodes(), now);
            }
        });
    }

    private static void startMore(Store.Batcher b, Service service, List<Task> run, Set<String> down, Instant now) {
        var job = (ServiceMode.ReplicatedJob) service.mode();
        Map<String, Slot> slots = Slot.of(run, service.mode());
        long taken = 0;
        long inProgress = 0;
        for (Slot slot : slots.values()) {
            if (!slot.isOccupied(service, down)) continue;
            taken++;
            boolean completed = slot.tasks().stream().anyMatch(t -> t.state() == TaskState.COMPLETE);
            if (!completed && (!slot.runnable().isEmpty() || slot.hasStopping(down))) inProgress++;
        }
        long more = Math.min(job.maxConcurrent() - inProgress, job.totalCompletions() - taken);
        for (long slot = 0; more > 0 && slot < job.totalCompletions(); slot++) {
            Slot existing = slots.get(Long.toString(slot));
            if (existing != null && existing.isOccupied(service, down)) continue;
            Task t = Tasks.newTask(service, slot, null, TaskState.COMPLETE, now);
            b.update(tx -> tx.create(t));
            more--;
        }
    }
}
