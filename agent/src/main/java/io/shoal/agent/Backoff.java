package io.shoal.agent;

import java.time.Duration;

/**
 * Exponential backoff between retries: 100 ms, doubling up to 8 s (or a lower cap), back to the
 * start on success.
 */
final class Backoff {
    private static final Duration FIRST = Duration.ofMillis(100);
    static final Duration MAX = Duration.ofSeconds(8);

    private Duration next = FIRST;

    void sleep() throws InterruptedException {
        sleep(MAX);
    }

    /** Sleeps at most {@code cap}: a retry must come before the other side gives up on us. */
    void sleep(Duration cap) throws InterruptedException {
        Duration bound = cap.compareTo(MAX) < 0 ? cap : MAX;
        Thread.sleep(next.compareTo(bound) < 0 ? next : bound);
        next = next.multipliedBy(2).compareTo(MAX) > 0 ? MAX : next.multipliedBy(2);
    }

    void reset() {
        next = FIRST;
    }
}
