package io.shoal.manager.orchestrator;

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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Plays scheduler and agents at once: a task desired to run is placed on one of {@code nodes}
 * (round robin) and reported RUNNING (or FAILED when {@link #fails} says so); one desired READY
 * is prepared to READY; one told to stop is reported SHUTDOWN.
 */
public final class FakeAgent extends Controller {
    private final List<String> nodes;
    private final AtomicInteger next = new AtomicInteger();
    public volatile Predicate<Task> fails = t -> false;

    public FakeAgent(Store store, Clock clock, Ticker ticker, String... nodes) {
        super(store, clock, ticker);
        this.nodes = List.of(nodes);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return e.after() instanceof Task t ? List.of(t.id()) : List.of();
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return r.tasks().stream().map(Task::id).toList();
    }

    @Override
    protected void reconcile(Set<String> taskIds) {
        List<Task> tasks = store.view(r -> taskIds.stream().map(r::task).filter(Objects::nonNull).toList());
        var now = clock.instant();
        store.batch(b -> {
            for (Task t : tasks) {
                TaskState target;
                if (t.isRunnable()) {
                    if (t.state().isTerminal()) continue;
                    target = t.desiredState() == TaskState.READY ? TaskState.READY
                            : fails.test(t) ? TaskState.FAILED : TaskState.RUNNING;
                } else {
                    if (t.state().isTerminal()) continue;
                    target = TaskState.SHUTDOWN;
                }
                if (!t.state().isBefore(target)) continue;
                String node = t.nodeId() != null ? t.nodeId() : nodes.get(next.getAndIncrement() % nodes.size());
                TaskStatus status = target == TaskState.FAILED
                        ? new TaskStatus(now, target, "task: non-zero exit (1)", "exit 1",
                                new TaskStatus.ContainerStatus("c", 0, 1), null)
                        : TaskStatus.of(target, target.wireName(), now);
                b.update(tx -> tx.update(t.withNodeId(node).withStatus(status)));
            }
        });
    }
}
