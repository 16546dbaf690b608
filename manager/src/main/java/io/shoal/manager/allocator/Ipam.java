package io.shoal.manager.allocator;

import io.shoal.api.Network;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.store.Event;
import io.shoal.store.Holdings;
import io.shoal.store.ReadTx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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

    /** Follows one committed change; returns the networks on which an address was freed. */
    Set<String> apply(Event e) {
        Set<String> freed = new HashSet<>();
        if (e.before() instanceof Network n && e.after() == null) {
            pools.remove(n.id());
            return freed;
        }
        if (e.after() instanceof Network n) add(n);
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
     * An address on every network of the task's spec, in its order, all or none: a network that
     * has none left gives back what the others gave. {@code networks} are the swarm's, by id.
     */
    Outcome allocate(Task t, Map<String, Network> networks) {
        List<Task.NetworkAttachment> out = new ArrayList<>();
        List<Runnable> giveBack = new ArrayList<>();
        for (TaskSpec.NetworkAttachmentConfig w : t.spec().networks()) {
            Network n = networks.get(w.target());
            if (n == null) {
                giveBack.forEach(Runnable::run);
                return new Outcome.Short(w.target(), "network " + w.target() + " not found");
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
            out.add(new Task.NetworkAttachment(n, List.of(n.subnet().withAddress(a.getAsInt()).toString())));
        }
        return new Outcome.Attached(out);
    }
}
