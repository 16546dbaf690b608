package io.shoal.manager.allocator;

import io.shoal.api.Network;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Moves new tasks to PENDING once what they need from the cluster is allocated: an address on
 * each network of their spec, written with the task as its {@code NetworksAttachments}. A task
 * for which a network has no address left stays NEW with "no IP addresses available in network
 * X" as its error ({@code docker service ps --no-trunc} shows it), and is looked at again as soon
 * as an address on that network is freed. Published ports and virtual IPs are allocated with the
 * service instead, when it is created or updated, so that a conflict is refused to the user at once.
 *
 * <p>Its ids are tasks, looked at whenever they are written while NEW. The free lists
 * ({@link Ipam}) are rebuilt from the store at every full pass (the first one runs when a manager
 * starts leading) and follow the events in between, which {@link #affected} sees in commit order
 * on the allocator's own thread.
 */
public final class Allocator extends Controller {
    static final String PENDING = "pending task scheduling";

    /** The free lists; null until the first full pass, and after a write was refused, until rebuilt. */
    private Ipam ipam;
    /** Tasks waiting for an address, by the network that had none left. */
    private final Map<String, Set<String>> waiting = new HashMap<>();

    public Allocator(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        Set<String> ids = new HashSet<>();
        if (ipam != null) {
            for (String network : ipam.apply(e)) {
                Set<String> tasks = waiting.remove(network);
                if (tasks != null) ids.addAll(tasks);
            }
        } else {
            // Whatever this frees is not followed until the lists are read again: every waiting task looks again then.
            waiting.values().forEach(ids::addAll);
            waiting.clear();
        }
        if (e.after() instanceof Task t && t.state() == TaskState.NEW) ids.add(t.id());
        return ids;
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        ipam = Ipam.read(r);
        waiting.clear();
        return r.tasks().stream().filter(t -> t.state() == TaskState.NEW).map(Task::id).toList();
    }

    @Override
    protected void reconcile(Set<String> taskIds) {
        record Work(List<Task> fresh, Map<String, Network> networks) {}
        Work work = store.view(r -> new Work(
                taskIds.stream().map(r::task).filter(Objects::nonNull)
                        .filter(t -> t.state() == TaskState.NEW && !t.desiredState().isAfter(TaskState.RUNNING))
                        // In slot order, so that a service's replicas get their addresses in order too.
                        .sorted(Comparator.comparing(Task::serviceId).thenComparingLong(Task::slot).thenComparing(Task::id))
                        .toList(),
                r.networks().stream().collect(Collectors.toMap(Network::id, Function.identity()))));
        if (work.fresh().isEmpty()) return;
        if (ipam == null) ipam = store.view(Ipam::read);
        Instant now = clock.instant();
        List<Task> writes = new ArrayList<>();
        for (Task t : work.fresh()) {
            Task next = allocated(t, work.networks(), now);
            if (next != null) writes.add(next);
        }
        if (writes.isEmpty()) return;
        try {
            store.batch(b -> {
                for (Task t : writes) b.update(tx -> tx.update(t));
            });
        } catch (RuntimeException e) {
            // Some of what the free lists hold was never written: read them afresh.
            ipam = null;
            throw e;
        }
    }

    /** The task with its addresses, PENDING; or still NEW with why not; or null when nothing changes. */
    private Task allocated(Task t, Map<String, Network> networks, Instant now) {
        boolean needsAddresses = t.spec().networks() != null && !t.spec().networks().isEmpty()
                && (t.networksAttachments() == null || t.networksAttachments().isEmpty());
        if (!needsAddresses) return t.withStatus(TaskStatus.of(TaskState.PENDING, PENDING, now));
        return switch (ipam.allocate(t, networks)) {
            case Ipam.Outcome.Attached a ->
                    t.withNetworksAttachments(a.attachments()).withStatus(TaskStatus.of(TaskState.PENDING, PENDING, now));
            case Ipam.Outcome.Short s -> {
                waiting.computeIfAbsent(s.networkId(), k -> new HashSet<>()).add(t.id());
                TaskStatus st = t.status();
                // Written only when the reason changes: a task that keeps waiting costs no writes.
                yield Objects.equals(st.err(), s.reason()) ? null
                        : t.withStatus(new TaskStatus(now, st.state(), st.message(), s.reason(), st.containerStatus(), st.portStatus()));
            }
        };
    }
}
