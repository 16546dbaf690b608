package io.shoal.manager.allocator;

import io.shoal.api.Network;
import io.shoal.common.Ipv4Prefix;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The host addresses of one network and who holds each: the subnet without its network and
 * broadcast addresses, narrowed to the range when the network has one; the gateway is held by
 * the network itself. Addresses are handed out next-fit, from after the last one given and
 * around, as Docker's serial allocation does: a freed address goes back to use last, once
 * whatever peers remember of its old holder is long gone.
 */
final class AddressPool {
    private final int first;
    private final int last;
    private final Map<Integer, String> owners = new HashMap<>();
    /** The address handed out last; the next search starts after it. */
    private int cursor;

    /**
     * The host addresses of {@code subnet} that {@code range} (null: the whole subnet) also holds.
     * A subnet of /31 or /32 has none.
     */
    AddressPool(Ipv4Prefix subnet, Ipv4Prefix range) {
        Ipv4Prefix span = range == null ? subnet : range;
        long lo = Math.max(Integer.toUnsignedLong(span.first()), Integer.toUnsignedLong(subnet.first()) + 1);
        long hi = Math.min(Integer.toUnsignedLong(span.last()), Integer.toUnsignedLong(subnet.last()) - 1);
        this.first = (int) lo;
        this.last = lo > hi ? (int) lo - 1 : (int) hi;
        this.cursor = first - 1;
    }

    /** The pool of an allocated network, its gateway held by the network. */
    static AddressPool of(Network n) {
        Network.IpamConfig c = n.allocated();
        AddressPool pool = new AddressPool(Ipv4Prefix.parse(c.subnet()).masked(),
                c.range() == null || c.range().isEmpty() ? null : Ipv4Prefix.parse(c.range()).masked());
        if (c.gateway() != null && !c.gateway().isEmpty()) pool.hold(Ipv4Prefix.parseAddress(c.gateway()), n.id());
        return pool;
    }

    /** How many host addresses the pool spans. */
    long size() {
        return Integer.compareUnsigned(first, last) > 0 ? 0 : Integer.toUnsignedLong(last) - Integer.toUnsignedLong(first) + 1;
    }

    /** Records that {@code owner} holds {@code address}; an address outside the pool (a gateway outside the range) is only remembered. */
    void hold(int address, String owner) {
        owners.put(address, owner);
    }

    /** Frees {@code address} if {@code owner} holds it (another may have taken it since); true if it did. */
    boolean release(int address, String owner) {
        return owners.remove(address, owner);
    }

    boolean isHeld(int address) {
        return owners.containsKey(address);
    }

    /** A free address for {@code owner}, now held by it, or none when the pool is full. */
    OptionalInt allocate(String owner) {
        long size = size();
        int a = cursor;
        for (long tried = 0; tried < size; tried++) {
            a = a == last || Integer.compareUnsigned(a, first) < 0 || Integer.compareUnsigned(a, last) > 0 ? first : a + 1;
            if (!owners.containsKey(a)) {
                owners.put(a, owner);
                cursor = a;
                return OptionalInt.of(a);
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Makes the next search start after the highest address held in the pool: a pool rebuilt from
     * the store carries on above what is in use rather than reusing what was freed last.
     */
    void resumeAfterHighest() {
        for (int a : owners.keySet()) {
            // The cursor starts below the pool, so any address of the pool is above it.
            if (Integer.compareUnsigned(a, first) >= 0 && Integer.compareUnsigned(a, last) <= 0
                    && Integer.compareUnsigned(a, cursor) > 0) {
                cursor = a;
            }
        }
    }
}
