package io.shoal.manager.allocator;

import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import io.shoal.store.Event;
import io.shoal.store.Holdings;
import io.shoal.store.ReadTx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The allocator's free lists: an {@link AddressPool} per network, read from the store when the
 * allocator starts (on a manager that starts leading) and at every full pass, and kept up to date
 * from the store's events in commit order. It is a cache: the store decides (it refuses a write
 * that gives an address in use), so a list that is behind costs a refused write and a rebuild,
 * never an address given twice. Owned by the allocator's thread.
 */
final class Ipam {
    /** What a task that publishes through the routing mesh waits for while there is no ingress network. */
    static final String INGRESS = "ingress";
    /** swarmkit's refusal of a service that publishes through the routing mesh without an ingress network. */
    static final String NO_INGRESS = "service needs ingress network, but no ingress network is present";

    private final Map<String, AddressPool> pools = new HashMap<>();

    /** What a task got: an attachment per network, or the network that had no address left. */
    sealed interface Outcome {
        record Attached(List<Task.NetworkAttachment> attachments) implements Outcome {}

        record Short(String networkId, String reason) implements Outcome {}
    }

    private Ipam() {}

    static Ipam read(ReadTx r) {
        Ipam ipam = new Ipam();
        for (Network n : r.networks()) ipam.add(n);
        for (Service s : r.services()) ipam.hold(s);
        for (Node n : r.nodes()) ipam.hold(n);
        for (Task t : r.tasks()) ipam.hold(t);
        ipam.pools.values().forEach(AddressPool::resumeAfterHighest);
        return ipam;
    }

    /** "no IP addresses available in network X": what a task waits with and a VIP is refused with. */
    static String exhausted(Network n) {
        return "no IP addresses available in network " + n.spec().name();
    }

    private void add(Network n) {
        if (!n.isPredefined() && n.allocated() != null) pools.putIfAbsent(n.id(), AddressPool.of(n));
    }

    private void hold(StoredObject o) {
        for (Holdings.Address a : Holdings.of(o).addresses()) {
            AddressPool pool = pools.get(a.networkId());
            if (pool != null) pool.hold(a.address(), o.id());
        }
    }

    /**
     * Follows one committed change; returns the networks on which an address was freed, and
     * {@link #INGRESS} when the ingress network was made.
     */
    Set<String> apply(Event e) {
        Set<String> freed = new HashSet<>();
        if (e.before() instanceof Network n && e.after() == null) {
            pools.remove(n.id());
            return freed;
        }
        if (e.after() instanceof Network n) {
            add(n);
            if (e.before() == null && n.isIngress()) freed.add(INGRESS);
        }
        if (e.before() != null) {
            for (Holdings.Address a : Holdings.of(e.before()).addresses()) {
                AddressPool pool = pools.get(a.networkId());
                if (pool != null && pool.release(a.address(), e.before().id())) freed.add(a.networkId());
            }
        }
        if (e.after() != null) hold(e.after());
        return freed;
    }

    /**
     * An address on every network of the task: the ingress network first when it publishes
     * through the routing mesh (as swarmkit attaches it), then those of its spec, in its order;
     * all or none: a network that has none left gives back what the others gave. {@code networks}
     * are the swarm's, by id; {@code ingress} the ingress network, null when there is none.
     */
    Outcome allocate(Task t, Map<String, Network> networks, Network ingress) {
        List<Task.NetworkAttachment> out = new ArrayList<>();
        List<Runnable> giveBack = new ArrayList<>();
        List<String> wanted = new ArrayList<>();
        if (t.publishesIngress()) {
            if (ingress == null) return new Outcome.Short(INGRESS, NO_INGRESS);
            wanted.add(ingress.id());
        }
        if (t.spec().networks() != null) t.spec().networks().forEach(w -> wanted.add(w.target()));
        for (String id : wanted) {
            Network n = networks.get(id);
            if (n == null) {
                giveBack.forEach(Runnable::run);
                return new Outcome.Short(id, "network " + id + " not found");
            }
            if (n.isPredefined()) {
                out.add(new Task.NetworkAttachment(n, null));
                continue;
            }
            AddressPool pool = pools.get(n.id());
            OptionalInt a = pool == null ? OptionalInt.empty() : pool.allocate(t.id());
            if (a.isEmpty()) {
                giveBack.forEach(Runnable::run);
                return new Outcome.Short(n.id(), exhausted(n));
            }
            giveBack.add(() -> pool.release(a.getAsInt(), t.id()));
            out.add(attachment(n, a.getAsInt()));
        }
        return new Outcome.Attached(out);
    }

    /** An address for {@code node} on {@code network}, or none when it has none left. */
    Optional<Task.NetworkAttachment> allocate(Node node, Network network) {
        AddressPool pool = pools.get(network.id());
        OptionalInt a = pool == null ? OptionalInt.empty() : pool.allocate(node.id());
        return a.isEmpty() ? Optional.empty() : Optional.of(attachment(network, a.getAsInt()));
    }

    private static Task.NetworkAttachment attachment(Network n, int address) {
        return new Task.NetworkAttachment(n, List.of(n.subnet().withAddress(address).toString()));
    }
}
