package io.shoal.manager;

import java.util.concurrent.locks.LockSupport;

/**
 * The time the leader's loops wait on: a monotonic reading, and a park that ends at a due time or
 * when another thread wakes the parked one (a store event came). Restart delays, update delays,
 * the update monitor period and heartbeat deadlines are all waits on it, so a test can drive them
 * with a ticker whose time it moves by hand.
 */
public interface Ticker {
    /** Nanoseconds from an arbitrary origin, never going back; differences only mean something. */
    long nanoTime();

    /**
     * Parks the calling thread until {@link #nanoTime} reaches {@code deadline}, {@link #unpark}
     * wakes it, or it is interrupted. It may return earlier still, so callers look again.
     */
    void parkUntil(long deadline);

    /** Wakes {@code thread} from {@link #parkUntil}, or makes its next park return at once. */
    void unpark(Thread thread);

    /** Real time: {@link System#nanoTime} and {@link LockSupport}. */
    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void parkUntil(long deadline) {
            long left = deadline - System.nanoTime();
            if (left > 0) LockSupport.parkNanos(this, left);
        }

        @Override
        public void unpark(Thread thread) {
            LockSupport.unpark(thread);
        }
    };
}
