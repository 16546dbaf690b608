package io.shoal.manager.orchestrator.taskreaper;

import io.shoal.api.Cluster;
import io.shoal.api.Defaults;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.manager.orchestrator.Slot;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.manager.orchestrator.restart.RestartPolicy;
import io.shoal.store.Change;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Deletes tasks nobody needs any more: those marked for removal once they have stopped (or never
 * reached a node), the tasks of deleted services, and the oldest ended tasks of each slot beyond
 * the swarm's task history limit. Tasks of a deleted service still meant to run are marked for
 * removal first, so their agents stop them. Its ids are services, deleted ones included while
 * tasks of theirs are left: a service is looked at again when it or one of its tasks changes (its
 * own deletes give it nothing to do), and every one when the swarm's history limit changes.
 */
public final class TaskReaper extends Controller {

    public TaskReaper(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return switch (e.object()) {
            case Task t when e.op() != Change.Op.DELETE -> List.of(t.serviceId());
            case Service s -> List.of(s.id());
            case Cluster c -> store.view(this::all);
            default -> List.of();
        };
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        Set<String> ids = new HashSet<>();
        for (Service s : r.services()) ids.add(s.id());
        for (Task t : r.tasks()) ids.add(t.serviceId());
        return ids;
    }

    @Override
    protected void reconcile(Set<String> serviceIds) {
        record Work(String serviceId, Service service, List<Task> tasks) {}
        record State(List<Work> work, long limit) {}
        State state = store.view(r -> new State(serviceIds.stream()
                .map(id -> new Work(id, r.service(id), r.tasksOfService(id))).toList(), historyLimit(r.cluster())));
        List<Task> doomed = new ArrayList<>();
        List<Task> orphans = new ArrayList<>();
        for (Work w : state.work()) {
            Service service = w.service();
            for (Task t : w.tasks()) {
                if ((service == null || t.desiredState() == TaskState.REMOVE) && hasStopped(t)) doomed.add(t);
                else if (service == null && t.desiredState() != TaskState.REMOVE) orphans.add(t);
            }
            if (service != null && state.limit() >= 0) {
                long keep = Math.max(state.limit(), RestartPolicy.historyNeeded(service));
                for (Slot slot : Slot.of(w.tasks(), service.mode()).values()) {
                    List<Task> history = slot.tasks();
                    for (int i = 0; i < history.size() - keep; i++) {
                        Task t = history.get(i);
                        if (!t.isRunnable() && hasStopped(t) && !doomed.contains(t)) doomed.add(t);
                    }
                }
            }
        }
        if (doomed.isEmpty() && orphans.isEmpty()) return;
        store.batch(b -> {
            for (Task t : doomed) b.update(tx -> tx.delete(t));
            for (Task t : orphans) b.update(tx -> tx.update(t.withDesiredState(TaskState.REMOVE)));
        });
    }

    /** Ended, or never given to a node, so no agent still holds it running. */
    private static boolean hasStopped(Task t) {
        return t.state().isTerminal() || t.state().isBefore(TaskState.ASSIGNED);
    }

    private static long historyLimit(Cluster c) {
        if (c == null || c.spec() == null || c.spec().orchestration() == null
                || c.spec().orchestration().taskHistoryRetentionLimit() == null) {
            return Defaults.TASK_HISTORY_LIMIT;
        }
        return c.spec().orchestration().taskHistoryRetentionLimit();
    }
}
