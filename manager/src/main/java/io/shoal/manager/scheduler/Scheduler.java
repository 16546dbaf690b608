package io.shoal.manager.scheduler;

import io.shoal.api.ApiException;
import io.shoal.api.Task;
import io.shoal.manager.Controller;
import io.shoal.store.Event;
import io.shoal.store.Store;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Takes tasks from PENDING to ASSIGNED on a node (swarmkit's manager/scheduler): each waiting task
 * goes through the filter {@link Pipeline}, identical tasks are spread over a {@link SpreadTree},
 * and the decisions of a pass are committed together. A task no node fits stays PENDING with the
 * reason, and is tried again when nodes or tasks change in a way that could make room.
 *
 * <p>Unlike swarmkit, which keeps its node picture up to date from events, each pass rebuilds it
 * from the store: a pass costs time linear in tasks plus nodes, and nothing can drift.
 */
public final class Scheduler extends Controller {
    /** swarmkit's MaxChangesPerTransaction: keeps one Raft entry a reasonable size. */
    static final int MAX_CHANGES_PER_BATCH = 200;

    private final Clock clock;

    public Scheduler(Store store, Clock clock) {
        super(store);
        this.clock = clock;
    }

    public Scheduler(Store store) {
        this(store, Clock.systemUTC());
    }

    @Override
    protected boolean isRelevant(Event event) {
        return switch (event.kind()) {
            // A node joining, becoming ready or active, or changing labels or resources may make room.
            case NODE -> true;
            case TASK -> {
                Task before = (Task) event.before();
                Task after = (Task) event.after();
                // Our own "no suitable node" writes keep a task waiting on the same node binding:
                // they must not wake us, or a task that never fits would be decided in a loop.
                boolean newlyWaiting = SchedulingPass.isWaiting(after)
                        && !(SchedulingPass.isWaiting(before) && Objects.equals(before.nodeId(), after.nodeId()));
                boolean freedRoom = (SchedulingPass.isHolding(before) && !SchedulingPass.isHolding(after))
                        || (SchedulingPass.isActive(before) && !SchedulingPass.isActive(after));
                yield newlyWaiting || freedRoom;
            }
            default -> false;
        };
    }

    @Override
    protected void reconcile() {
        commit(store.view(SchedulingPass::read)
                .map(pass -> pass.decide(clock.instant()))
                .orElse(List.of()));
    }

    /**
     * Writes a pass's decisions in batches. A task another writer changed since the pass read it
     * (shut down, deleted, already assigned) is dropped from its batch: that write wakes the next pass.
     */
    void commit(List<Task> decisions) {
        for (int from = 0; from < decisions.size(); from += MAX_CHANGES_PER_BATCH) {
            List<Task> batch = decisions.subList(from, Math.min(from + MAX_CHANGES_PER_BATCH, decisions.size()));
            try {
                store.update(tx -> {
                    for (Task t : batch) {
                        Task current = tx.task(t.id());
                        if (current != null && current.version().equals(t.version())) tx.update(t);
                    }
                    return null;
                });
            } catch (ApiException e) {
                // Lost a race between that check and the commit; the other batches still go in.
                if (e.status() >= 500) throw e;
                log.debug("scheduling batch refused, retried next pass: {}", e.getMessage());
            }
        }
    }
}
