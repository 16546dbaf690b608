package io.shoal.store;

import io.shoal.api.ApiException;
import io.shoal.api.StoredObject;
import io.shoal.common.Ipv4Prefix;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Who holds each address, subnet, VXLAN id and ingress published port, kept as the store applies
 * batches. A batch is refused whole if, once applied, anything would be held twice: two owners of
 * one address on a network, two networks with overlapping subnets, two networks with one VXLAN id,
 * two services publishing one port through the routing mesh. As with unique
 * names, what the batch gives up is free before anything is claimed, and every manager decides
 * alike because it applies the same batches in the same order.
 *
 * <p>Maps are concurrent, as the store's tables: a write transaction reads without the lock.
 */
final class NetworkIndex {
    private final Map<String, Map<Integer, String>> owners = new ConcurrentHashMap<>();
    private final Map<String, Ipv4Prefix> subnets = new ConcurrentHashMap<>();
    private final Map<Integer, String> vnis = new ConcurrentHashMap<>();
    private final Map<Holdings.Port, String> ports = new ConcurrentHashMap<>();

    /** The addresses held on a network. */
    Set<Integer> inUse(String networkId) {
        Map<Integer, String> held = owners.get(networkId);
        return held == null ? Set.of() : Set.copyOf(held.keySet());
    }

    /** Refuses the changes if anything would be held twice once they are applied; {@code current} reads the store. */
    void check(Iterable<Change> changes, Function<Change, StoredObject> current) {
        Map<Holdings.Address, String> addresses = new HashMap<>();
        Map<String, Ipv4Prefix> claimedSubnets = new HashMap<>();
        Map<Integer, String> claimedVnis = new HashMap<>();
        Map<Holdings.Port, String> claimedPorts = new HashMap<>();
        // A null value marks what the batch gives up.
        for (Change c : changes) {
            StoredObject before = current.apply(c);
            if (before == null) continue;
            Holdings h = Holdings.of(before);
            for (Holdings.Address a : h.addresses()) addresses.put(a, null);
            if (h.subnet() != null) claimedSubnets.put(before.id(), null);
            if (h.vni() != null) claimedVnis.put(h.vni(), null);
            for (Holdings.Port p : h.ports()) claimedPorts.put(p, null);
        }
        for (Change c : changes) {
            if (c.op() == Change.Op.DELETE) continue;
            String id = c.object().id();
            Holdings h = Holdings.of(c.object());
            for (Holdings.Address a : h.addresses()) {
                String owner = addresses.containsKey(a) ? addresses.get(a) : ownerOf(a);
                if (owner != null && !owner.equals(id)) {
                    throw ApiException.conflict("%saddress %s is already in use", Holdings.TAKEN, a);
                }
                addresses.put(a, id);
            }
            if (h.subnet() != null) {
                checkOverlap(id, h.subnet(), claimedSubnets);
                claimedSubnets.put(id, h.subnet());
            }
            if (h.vni() != null) {
                String owner = claimedVnis.containsKey(h.vni()) ? claimedVnis.get(h.vni()) : vnis.get(h.vni());
                if (owner != null && !owner.equals(id)) {
                    throw ApiException.conflict("%sVXLAN id %d is already in use by network %s", Holdings.TAKEN, h.vni(), owner);
                }
                claimedVnis.put(h.vni(), id);
            }
            for (Holdings.Port p : h.ports()) {
                String owner = claimedPorts.containsKey(p) ? claimedPorts.get(p) : ports.get(p);
                if (owner != null && !owner.equals(id)) {
                    throw ApiException.conflict("%spublished port %s is already in use by service %s", Holdings.TAKEN, p, owner);
                }
                claimedPorts.put(p, id);
            }
        }
    }

    private String ownerOf(Holdings.Address a) {
        Map<Integer, String> held = owners.get(a.networkId());
        return held == null ? null : held.get(a.address());
    }

    private void checkOverlap(String id, Ipv4Prefix subnet, Map<String, Ipv4Prefix> claimed) {
        Map<String, Ipv4Prefix> after = new HashMap<>(subnets);
        after.putAll(claimed);
        after.forEach((other, prefix) -> {
            if (prefix != null && !other.equals(id) && prefix.overlaps(subnet)) {
                throw ApiException.conflict("%ssubnet %s overlaps subnet %s of network %s", Holdings.TAKEN, subnet, prefix, other);
            }
        });
    }

    /** Records what changed hands: {@code before} gives up what it held, {@code after} holds what it holds. */
    void put(StoredObject before, StoredObject after) {
        if (before != null) release(before.id(), Holdings.of(before));
        if (after != null) claim(after.id(), Holdings.of(after));
    }

    private void release(String id, Holdings h) {
        for (Holdings.Address a : h.addresses()) {
            Map<Integer, String> held = owners.get(a.networkId());
            if (held == null) continue;
            held.remove(a.address(), id);
            if (held.isEmpty()) owners.remove(a.networkId(), held);
        }
        if (h.subnet() != null) subnets.remove(id);
        if (h.vni() != null) vnis.remove(h.vni(), id);
        for (Holdings.Port p : h.ports()) ports.remove(p, id);
    }

    private void claim(String id, Holdings h) {
        for (Holdings.Address a : h.addresses()) {
            owners.computeIfAbsent(a.networkId(), k -> new ConcurrentHashMap<>()).put(a.address(), id);
        }
        if (h.subnet() != null) subnets.put(id, h.subnet());
        if (h.vni() != null) vnis.put(h.vni(), id);
        for (Holdings.Port p : h.ports()) ports.put(p, id);
    }

    void clear() {
        owners.clear();
        subnets.clear();
        vnis.clear();
        ports.clear();
    }
}
