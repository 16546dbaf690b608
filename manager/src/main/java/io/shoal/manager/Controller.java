package io.shoal.manager;

import io.shoal.api.ApiException;
import io.shoal.store.Event;
import io.shoal.store.Store;
import io.shoal.store.Watch;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A leader-side control loop: it watches the store and writes back. Controllers are level
 * triggered: {@link #reconcile} looks at what the store holds now, not at what happened, so a
 * controller started on a new leader simply carries on; events only say when to look again.
 */
public abstract class Controller {
    protected final Logger log = LoggerFactory.getLogger(getClass());
    protected final Store store;
    private volatile boolean running;
    private Thread thread;

    protected Controller(Store store) {
        this.store = store;
    }

    public final synchronized void start() {
        if (running) return;
        running = true;
        thread = Thread.ofVirtual().name(getClass().getSimpleName()).start(this::loop);
    }

    public final synchronized void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }

    /** Whether an event may change what {@link #reconcile} would do. */
    protected abstract boolean isRelevant(Event event);

    /** Brings the store one step closer to the desired state. */
    protected abstract void reconcile();

    /** How often to reconcile even without events: timers (restart delays, update delays) ride on it. */
    protected long tickMillis() {
        return 1000;
    }

    /** Events of one wake-up; a controller that can do less than a full pass overrides this. */
    protected void onEvents(List<Event> events) {
        for (Event e : events) {
            if (isRelevant(e)) {
                reconcile();
                return;
            }
        }
    }

    private void loop() {
        try (Watch watch = store.watch()) {
            safely(this::reconcile);
            long lastPass = System.nanoTime();
            while (running) {
                List<Event> events = watch.next(tickMillis());
                if (!running) break;
                if (System.nanoTime() - lastPass >= tickMillis() * 1_000_000L) {
                    safely(this::reconcile);
                    lastPass = System.nanoTime();
                } else if (!events.isEmpty()) {
                    safely(() -> onEvents(events));
                }
            }
        } catch (InterruptedException e) {
            // stopped
        }
    }

    private void safely(Runnable pass) {
        try {
            pass.run();
        } catch (ApiException e) {
            // A conflicting write (another controller moved an object first) is retried by the next pass.
            log.debug("pass ended early: {}", e.getMessage());
        } catch (RuntimeException e) {
            if (running) log.warn("pass failed", e);
        }
    }
}
