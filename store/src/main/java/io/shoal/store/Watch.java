package io.shoal.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A queue of the store's change events from the moment it was opened. */
public final class Watch implements AutoCloseable {
    private final MemoryStore store;
    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();
    private final Consumer<List<Event>> listener = queue::addAll;

    Watch(MemoryStore store) {
        this.store = store;
        store.addListener(listener);
    }

    /** Waits up to {@code timeoutMillis} for at least one event, then returns all that are queued. */
    public List<Event> next(long timeoutMillis) throws InterruptedException {
        List<Event> out = new ArrayList<>();
        Event first = queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (first == null) return out;
        out.add(first);
        queue.drainTo(out);
        return out;
    }

    @Override
    public void close() {
        store.removeListener(listener);
    }
}
