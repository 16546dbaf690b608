package io.shoal.manager.allocator;

import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.manager.Controller;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.Store;
import java.time.Clock;
import java.util.List;

/**
 * Moves new tasks to PENDING once what they need from the cluster is allocated. Published ports
 * are allocated with the service, when it is created or updated (so a conflict is refused to the
 * user at once); task network addresses join here with overlay networking.
 */
public final class Allocator extends Controller {
    private final Clock clock;

    public Allocator(Store store, Clock clock) {
        super(store);
        this.clock = clock;
    }

    @Override
    protected boolean isRelevant(Event e) {
        return e.kind() == Kind.TASK && e.after() instanceof Task t && t.state() == TaskState.NEW;
    }

    @Override
    protected void reconcile() {
        List<Task> fresh = store.view(r -> r.tasks().stream()
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
