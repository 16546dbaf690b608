package io.shoal.agent;

import java.time.Duration;

/** Exponential backoff between retries: 100 ms, doubling up to 8 s, back to the start on success. */
final class Backoff {
    private static final Duration FIRST = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(8);

    private Duration next = FIRST;

    void sleep() throws InterruptedException {
        Thread.sleep(next);
        next = next.multipliedBy(2).compareTo(MAX) > 0 ? MAX : next.multipliedBy(2);
    }

    void reset() {
        next = FIRST;
    }
}
