package io.shoal.manager.allocator;

import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Moves new tasks to PENDING once what they need from the cluster is allocated. Published ports
 * are allocated with the service, when it is created or updated (so a conflict is refused to the
 * user at once); task network addresses join here with overlay networking. Its ids are tasks,
 * looked at whenever they are written while NEW.
 */
public final class Allocator extends Controller {
    public Allocator(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return e.after() instanceof Task t && t.state() == TaskState.NEW ? List.of(t.id()) : List.of();
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return r.tasks().stream().filter(t -> t.state() == TaskState.NEW).map(Task::id).toList();
    }

    @Override
    protected void reconcile(Set<String> taskIds) {
        List<Task> fresh = store.view(r -> taskIds.stream().map(r::task).filter(Objects::nonNull)
                .filter(t -> t.state() == TaskState.NEW && !t.desiredState().isAfter(TaskState.RUNNING))
                .toList());
        if (fresh.isEmpty()) return;
        var now = clock.instant();
        store.batch(b -> {
            for (Task t : fresh) {
                b.update(tx -> tx.update(t.withStatus(TaskStatus.of(TaskState.PENDING, "pending task scheduling", now))));
            }
        });
    }
}
