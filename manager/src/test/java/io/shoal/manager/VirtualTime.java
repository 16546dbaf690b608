package io.shoal.manager;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A clock and ticker whose time moves only when the test moves it. It knows every thread that
 * parks on it, so the test can wait for all of them to be idle ({@link #settle}): parked, and not
 * woken since. From then on nothing happens until the test writes to the store or moves time, so
 * "not yet" is asserted as deterministically as "now".
 */
public final class VirtualTime extends Clock implements Ticker {
    /** How long, in real time, the threads may take to settle. */
    private static final Duration SETTLE_LIMIT = Duration.ofSeconds(10);
    /** How far {@link #advanceUntil} lets virtual time run before giving up. */
    private static final Duration RUN_LIMIT = Duration.ofMinutes(10);

    private final Instant origin = Instant.parse("2026-01-01T00:00:00Z");
    private long nanos;
    /** Every thread that parked or was woken here, while it lives. */
    private final Set<Thread> threads = new HashSet<>();
    /** The parked threads and their deadlines; a thread is absent while it runs. */
    private final Map<Thread, Long> parked = new HashMap<>();
    /** Threads woken while running: their next park returns at once. */
    private final Set<Thread> permits = new HashSet<>();

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public Instant instant() {
        return origin.plusNanos(nanoTime());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (zone.equals(ZoneOffset.UTC)) return this;
        throw new UnsupportedOperationException("virtual time is kept in UTC");
    }

    @Override
    public synchronized void parkUntil(long deadline) {
        Thread me = Thread.currentThread();
        threads.add(me);
        if (permits.remove(me) || deadline - nanos <= 0) return;
        parked.put(me, deadline);
        notifyAll();
        try {
            while (parked.containsKey(me)) wait();
        } catch (InterruptedException e) {
            parked.remove(me);
            me.interrupt();
        }
    }

    @Override
    public synchronized void unpark(Thread thread) {
        threads.add(thread);
        if (parked.remove(thread) == null) permits.add(thread);
        notifyAll();
    }

    /** Waits until every thread is parked and none has been woken since. */
    public synchronized void settle() {
        long limit = System.nanoTime() + SETTLE_LIMIT.toNanos();
        while (true) {
            threads.removeIf(t -> !t.isAlive());
            List<Thread> busy = threads.stream().filter(t -> !parked.containsKey(t)).toList();
            if (busy.isEmpty()) return;
            long left = limit - System.nanoTime();
            if (left <= 0) fail("threads still busy after " + SETTLE_LIMIT + ": " + busy);
            try {
                // Parking notifies; a thread that ends does not, hence the bounded wait.
                wait(Math.clamp(left / 1_000_000, 1, 10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** Moves time forward by {@code d} once everything has settled, and settles again. */
    public void advance(Duration d) {
        settle();
        synchronized (this) {
            moveTo(nanos + d.toNanos());
        }
        settle();
    }

    /**
     * Lets time run from one deadline to the next, settling in between, until {@code condition}
     * holds of what {@code probe} reads; fails when it has not after {@link #RUN_LIMIT}.
     */
    public <T> T advanceUntil(String what, Supplier<T> probe, Predicate<T> condition) {
        long limit = nanoTime() + RUN_LIMIT.toNanos();
        while (true) {
            settle();
            T value = probe.get();
            if (condition.test(value)) return value;
            synchronized (this) {
                long next = parked.values().stream().reduce((a, b) -> a - b < 0 ? a : b).orElse(limit + 1);
                if (next - limit > 0) fail("no " + what + " within " + RUN_LIMIT + " of virtual time; last seen: " + value);
                moveTo(next);
            }
        }
    }

    private void moveTo(long time) {
        nanos = time;
        parked.values().removeIf(deadline -> deadline - nanos <= 0);
        notifyAll();
    }
}
