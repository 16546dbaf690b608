package io.shoal.manager.orchestrator.taskreaper;

import io.shoal.api.Cluster;
import io.shoal.api.Defaults;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.orchestrator.Slot;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.manager.orchestrator.restart.RestartPolicy;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Deletes tasks nobody needs any more: those marked for removal once they have stopped (or never
 * reached a node), the tasks of deleted services, and the oldest ended tasks of each slot beyond
 * the swarm's task history limit. Tasks of a deleted service still meant to run are marked for
 * removal first, so their agents stop them.
 */
public final class TaskReaper extends Controller {

    public TaskReaper(Store store) {
        super(store);
    }

    @Override
    protected boolean isRelevant(Event e) {
        return e.kind() == Kind.TASK && e.op() != io.shoal.store.Change.Op.DELETE
                || e.kind() == Kind.SERVICE || e.kind() == Kind.CLUSTER;
    }

    @Override
    protected void reconcile() {
        record State(List<Task> tasks, Map<String, Service> services, long limit) {}
        State state = store.view(r -> new State(r.tasks(),
                r.services().stream().collect(Collectors.toMap(Service::id, s -> s)), historyLimit(r.cluster())));
        List<Task> doomed = new ArrayList<>();
        List<Task> orphans = new ArrayList<>();
        Map<String, List<Task>> byService = state.tasks().stream().collect(Collectors.groupingBy(Task::serviceId));
        byService.forEach((serviceId, tasks) -> {
            Service service = state.services().get(serviceId);
            for (Task t : tasks) {
                if ((service == null || t.desiredState() == TaskState.REMOVE) && hasStopped(t)) doomed.add(t);
                else if (service == null && t.desiredState() != TaskState.REMOVE) orphans.add(t);
            }
            if (service != null && state.limit() >= 0) {
                long keep = Math.max(state.limit(), RestartPolicy.historyNeeded(service));
                for (Slot slot : Slot.of(tasks, service.mode()).values()) {
                    List<Task> history = slot.tasks();
                    for (int i = 0; i < history.size() - keep; i++) {
                        Task t = history.get(i);
                        if (!t.isRunnable() && hasStopped(t) && !doomed.contains(t)) doomed.add(t);
                    }
                }
            }
        });
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
