package io.shoal.manager.scheduler;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Takes tasks from PENDING to ASSIGNED on a node (swarmkit's manager/scheduler): each waiting task
 * goes through the filter {@link Pipeline}, identical tasks are spread over a {@link SpreadTree},
 * and the decisions of a pass are committed together. A task no node fits stays PENDING with the
 * reason, and is tried again when nodes or tasks change in a way that could make room.
 *
 * <p>Unlike swarmkit, which keeps its node picture up to date from events, each pass rebuilds it
 * from the store: a pass costs time linear in tasks plus nodes, and nothing can drift. So its ids
 * (tasks, nodes) only say that a pass is worth running: a task that starts waiting, or, while the
 * last pass left tasks waiting, one that frees room or a node that changes. A pass then decides
 * every waiting task, since they share the node picture.
 */
public final class Scheduler extends Controller {
    /**
     * Whether tasks were left waiting by the last pass (or none ran yet): only then may freed room
     * or a changed node place one, so only then is the store read for them.
     */
    private volatile boolean leftWaiting = true;

    public Scheduler(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    public Scheduler(Store store) {
        this(store, Clock.systemUTC(), Ticker.SYSTEM);
    }

    @Override
    protected Collection<String> affected(Event event) {
        return switch (event.object()) {
            // A node joining, becoming ready or active, or changing labels or resources may make room.
            case Node n -> leftWaiting ? List.of(n.id()) : List.of();
            case Task t -> {
                Task before = (Task) event.before();
                Task after = (Task) event.after();
                // Our own "no suitable node" writes keep a task waiting on the same node binding:
                // they must not wake us, or a task that never fits would be decided in a loop.
                boolean newlyWaiting = SchedulingPass.isWaiting(after)
                        && !(SchedulingPass.isWaiting(before) && Objects.equals(before.nodeId(), after.nodeId()));
                boolean freedRoom = (SchedulingPass.isHolding(before) && !SchedulingPass.isHolding(after))
                        || (SchedulingPass.isActive(before) && !SchedulingPass.isActive(after));
                yield newlyWaiting || freedRoom && leftWaiting ? List.of(t.id()) : List.of();
            }
            default -> List.of();
        };
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        return r.tasks().stream().filter(SchedulingPass::isWaiting).map(Task::id).toList();
    }

    @Override
    protected void reconcile(Set<String> ids) {
        Optional<SchedulingPass> pass = store.view(SchedulingPass::read);
        List<Task> decisions = pass.map(p -> p.decide(clock.instant())).orElse(List.of());
        long placed = decisions.stream().filter(t -> t.state() == TaskState.ASSIGNED).count();
        leftWaiting = pass.isPresent() && placed < pass.get().waiting();
        List<Task> dropped = commit(decisions);
        if (!dropped.isEmpty()) {
            // What changed them may not wake us (a task still waiting on the same node): look again now.
            leftWaiting = true;
            for (Task t : dropped) reconcileAfter(t.id(), Duration.ZERO);
        }
    }

    /**
     * Writes a pass's decisions in batches, and returns those not written. A task another writer
     * changed since the pass read it (shut down, deleted, already assigned) is dropped from its batch.
     */
    List<Task> commit(List<Task> decisions) {
        List<Task> dropped = new ArrayList<>();
        for (int from = 0; from < decisions.size(); from += Store.MAX_CHANGES_PER_BATCH) {
            List<Task> batch = decisions.subList(from, Math.min(from + Store.MAX_CHANGES_PER_BATCH, decisions.size()));
            try {
                store.update(tx -> {
                    for (Task t : batch) {
                        Task current = tx.task(t.id());
                        if (current != null && current.version().equals(t.version())) tx.update(t);
                        else dropped.add(t);
                    }
                    return null;
                });
            } catch (ApiException e) {
                // Lost a race between that check and the commit; the other batches still go in.
                if (e.status() >= 500) throw e;
                log.debug("scheduling batch refused, retried: {}", e.getMessage());
                dropped.addAll(batch);
            }
        }
        return dropped;
    }
}
