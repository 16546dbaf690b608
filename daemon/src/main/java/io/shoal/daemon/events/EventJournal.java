package io.shoal.daemon.events;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The events this daemon has seen, the last {@link #CAPACITY} of them, and the live feed of new
 * ones: what {@code GET /events} replays for {@code since} and then streams. Held in memory only:
 * a restarted daemon starts an empty journal (dockerd keeps 256 events the same way).
 */
public final class EventJournal {
    /** How many past events a {@code since} can reach. */
    public static final int CAPACITY = 1000;

    private final ArrayDeque<EventMessage> recent = new ArrayDeque<>(); // guarded by this
    private final List<LinkedBlockingQueue<EventMessage>> subscribers = new CopyOnWriteArrayList<>();

    /** The past events and a queue of every one published from now on, taken at one instant so none falls between. */
    public record Subscription(List<EventMessage> past, LinkedBlockingQueue<EventMessage> live, EventJournal journal)
            implements AutoCloseable {
        @Override
        public void close() {
            journal.subscribers.remove(live);
        }
    }

    public synchronized void publish(EventMessage m) {
        recent.addLast(m);
        if (recent.size() > CAPACITY) recent.removeFirst();
        for (var q : subscribers) q.offer(m);
    }

    public synchronized Subscription subscribe() {
        LinkedBlockingQueue<EventMessage> live = new LinkedBlockingQueue<>();
        subscribers.add(live);
        return new Subscription(new ArrayList<>(recent), live, this);
    }
}
