package io.shoal.manager.allocator;

import io.shoal.api.Network;
import io.shoal.api.Node;
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
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Moves new tasks to PENDING once what they need from the cluster is allocated: an address on
 * each network of their spec, and on the ingress network for a task that publishes a port through
 * the routing mesh, written with the task as its {@code NetworksAttachments}. A task for which a
 * network has no address left stays NEW with "no IP addresses available in network X" as its
 * error ({@code docker service ps --no-trunc} shows it), and is looked at again as soon as an
 * address on that network is freed. Every node gets an address on the ingress network while
 * there is one (its {@code Attachments}), which it gives up when it is removed. Published ports
 * and virtual IPs are allocated with the service instead, when it is created or updated, so that
 * a conflict is refused to the user at once.
 *
 * <p>Its ids are tasks, looked at whenever they are written while NEW, and nodes, looked at
 * whenever they are written and all of them when the ingress network comes or goes. The free
 * lists ({@link Ipam}) are rebuilt from the store at every full pass (the first one runs when a
 * manager starts leading) and follow the events in between, which {@link #affected} sees in
 * commit order on the allocator's own thread.
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
        if (e.after() instanceof Node n) ids.add(n.id());
        if (e.object() instanceof Network n && n.isIngress()) {
            ids.addAll(store.view(r -> r.nodes().stream().map(Node::id).toList()));
        }
        return ids;
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        ipam = Ipam.read(r);
        waiting.clear();
        List<String> ids = new ArrayList<>();
        r.tasks().stream().filter(t -> t.state() == TaskState.NEW).map(Task::id).forEach(ids::add);
        r.nodes().stream().map(Node::id).forEach(ids::add);
        return ids;
    }

    @Override
    protected void reconcile(Set<String> ids) {
        record Work(List<Task> fresh, List<Node> nodes, Map<String, Network> networks, Network ingress) {}
        Work work = store.view(r -> new Work(
                ids.stream().map(r::task).filter(Objects::nonNull)
                        .filter(t -> t.state() == TaskState.NEW && t.isRunnable())
                        // In slot order, so that a service's replicas get their addresses in order too.
                        .sorted(Comparator.comparing(Task::serviceId).thenComparingLong(Task::slot).thenComparing(Task::id))
                        .toList(),
                ids.stream().map(r::node).filter(Objects::nonNull).sorted(Comparator.comparing(Node::id)).toList(),
                r.networks().stream().collect(Collectors.toMap(Network::id, Function.identity())),
                r.networks().stream().filter(n -> n.isIngress() && n.allocated() != null).findFirst().orElse(null)));
        if (work.fresh().isEmpty() && work.nodes().isEmpty()) return;
        if (ipam == null) ipam = store.view(Ipam::read);
        Instant now = clock.instant();
        List<Task> writes = new ArrayList<>();
        for (Task t : work.fresh()) {
            Task next = allocated(t, work.networks(), work.ingress(), now);
            if (next != null) writes.add(next);
        }
        List<Node> nodeWrites = new ArrayList<>();
        for (Node n : work.nodes()) {
            Node next = attached(n, work.ingress());
            if (next != null) nodeWrites.add(next);
        }
        if (writes.isEmpty() && nodeWrites.isEmpty()) return;
        try {
            store.batch(b -> {
                for (Task t : writes) b.update(tx -> tx.update(t));
                // Onto the node as it is now: its agent's registration may have moved it since the read.
                for (Node n : nodeWrites) b.update(tx -> {
                    if (tx.node(n.id()) instanceof Node current) tx.update(current.withAttachments(n.attachments()));
                });
            });
        } catch (RuntimeException e) {
            // Some of what the free lists hold was never written: read them afresh.
            ipam = null;
            throw e;
        }
    }

    /**
     * The node with an address on the ingress network and on nothing else (none while there is no
     * ingress network); or null when it has that already, or when no address is left (it waits).
     */
    private Node attached(Node n, Network ingress) {
        List<Task.NetworkAttachment> held = n.attachments() == null ? List.of() : n.attachments();
        if (ingress == null) return held.isEmpty() ? null : n.withAttachments(null);
        if (held.size() == 1 && n.addressOn(ingress.id()) != null) return null;
        Optional<Task.NetworkAttachment> a = ipam.allocate(n, ingress);
        if (a.isEmpty()) {
            waiting.computeIfAbsent(ingress.id(), k -> new HashSet<>()).add(n.id());
            log.warn("node {} has no address on the ingress network: {}", n.id(), Ipam.exhausted(ingress));
            return null;
        }
        return n.withAttachments(List.of(a.get()));
    }

    /** The task with its addresses, PENDING; or still NEW with why not; or null when nothing changes. */
    private Task allocated(Task t, Map<String, Network> networks, Network ingress, Instant now) {
        boolean attaches = t.publishesIngress() || t.spec().networks() != null && !t.spec().networks().isEmpty();
        boolean needsAddresses = attaches && (t.networksAttachments() == null || t.networksAttachments().isEmpty());
        if (!needsAddresses) return t.withStatus(TaskStatus.of(TaskState.PENDING, PENDING, now));
        return switch (ipam.allocate(t, networks, ingress)) {
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
