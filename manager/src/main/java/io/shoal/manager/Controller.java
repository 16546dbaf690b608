package io.shoal.manager;

import io.shoal.api.ApiException;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader-side control loop: it watches the store and writes back. Controllers are level
 * triggered: a pass looks at what the store holds now, not at what happened, so a controller
 * started on a new leader simply carries on; events only say what to look at again.
 *
 * <p>A controller reconciles objects named by id (each says what its ids are: services, tasks,
 * nodes). An event marks the ids it may concern ({@link #affected}); the loop then reconciles the
 * ids marked since its last pass, together, reading them afresh. What a pass does for one id
 * depends only on the store, never on the event, so a full pass over every id ({@link #all}) is
 * the same function: one runs at start and every {@link #FULL_PASS_PERIOD}, and heals whatever
 * no event announced. Timers ({@link #reconcileAfter}) mark an id at a due time on the
 * {@link Ticker}: restart delays and update delays ride on them.
 */
public abstract class Controller {
    /**
     * How often every id is reconciled, events or not. Events announce every change a controller
     * depends on, so this only bounds how long a missed one (a bug) goes unhealed. A full pass
     * reads the whole store, tens of milliseconds for 10,000 tasks, so every 30 s the eight
     * controllers together cost well under 1% of a core, while a missed event is healed within
     * the time a user waits for {@code docker service ps} to settle anyway.
     */
    public static final Duration FULL_PASS_PERIOD = Duration.ofSeconds(30);
    /** When the ids of a failed pass (a conflicting write, leadership lost) are tried again. */
    protected static final Duration RETRY = Duration.ofSeconds(1);

    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final Store store;
    /** The time written into what a pass changes: every manager must stamp the same, so never the wall clock directly. */
    protected final Clock clock;
    private final Ticker ticker;
    private final Queue<Event> events = new ConcurrentLinkedQueue<>();
    /** Ids due for a pass at a ticker time; only the earliest time per id is kept. */
    private final Map<String, Long> timers = new ConcurrentHashMap<>();
    private final Consumer<List<Event>> listener = this::enqueue;
    private volatile boolean running;
    private volatile Thread thread;

    protected Controller(Store store, Clock clock, Ticker ticker) {
        this.store = store;
        this.clock = clock;
        this.ticker = ticker;
    }

    public final synchronized void start() {
        if (running) return;
        running = true;
        // Listening before the first pass reads: nothing committed after that read goes unseen.
        store.memory().addListener(listener);
        thread = Thread.ofVirtual().name(getClass().getSimpleName()).start(this::loop);
        // The first pass is due at once; waking also tells the ticker the thread is busy until it parks.
        ticker.unpark(thread);
    }

    public final synchronized void stop() {
        running = false;
        store.memory().removeListener(listener);
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
        events.clear();
        timers.clear();
    }

    /**
     * The ids whose pass this event may change, or none. Only which object changed is taken from
     * the event; the pass reads its state afresh.
     */
    protected abstract Collection<String> affected(Event event);

    /** Every id a full pass reconciles. */
    protected abstract Collection<String> all(ReadTx tx);

    /** Brings these ids one step closer to their desired state, as the store holds it now. */
    protected abstract void reconcile(Set<String> ids);

    /** A full pass, on the calling thread. */
    public final void reconcile() {
        reconcile(Set.copyOf(store.view(this::all)));
    }

    /** Reconciles {@code id} again once {@code delay} has passed: a timer. */
    protected final void reconcileAfter(String id, Duration delay) {
        timers.merge(id, ticker.nanoTime() + Math.max(0, delay.toNanos()), Math::min);
    }

    private void enqueue(List<Event> batch) {
        events.addAll(batch);
        Thread t = thread;
        if (t != null) ticker.unpark(t);
    }

    private void loop() {
        long fullPassAt = ticker.nanoTime();
        while (running) {
            long now = ticker.nanoTime();
            if (now - fullPassAt >= 0) {
                // The full pass reads after this, so it covers every event queued so far.
                events.clear();
                timers.values().removeIf(due -> due - now <= 0);
                fullPassAt = now + (pass(this::reconcile) ? FULL_PASS_PERIOD : RETRY).toNanos();
            } else {
                Set<String> dirty = new LinkedHashSet<>();
                if (!pass(() -> {
                    collect(dirty, now);
                    if (!dirty.isEmpty()) reconcile(Set.copyOf(dirty));
                })) {
                    for (String id : dirty) reconcileAfter(id, RETRY);
                }
            }
            if (events.isEmpty()) ticker.parkUntil(wakeAt(fullPassAt));
        }
    }

    /** Adds the ids of the queued events and of the timers due at {@code now}. */
    private void collect(Set<String> dirty, long now) {
        for (Event e; (e = events.poll()) != null; ) dirty.addAll(affected(e));
        timers.forEach((id, due) -> {
            if (due - now <= 0 && timers.remove(id, due)) dirty.add(id);
        });
    }

    private long wakeAt(long fullPassAt) {
        long at = fullPassAt;
        for (long due : timers.values()) {
            if (due - at < 0) at = due;
        }
        return at;
    }

    /** Runs a pass; false when it ended early, so its ids are tried again. */
    private boolean pass(Runnable pass) {
        try {
            pass.run();
            return true;
        } catch (ApiException e) {
            // A conflicting write (another controller moved an object first) is retried.
            log.debug("pass ended early: {}", e.getMessage());
        } catch (RuntimeException e) {
            if (running) log.warn("pass failed", e);
        }
        return false;
    }
}
