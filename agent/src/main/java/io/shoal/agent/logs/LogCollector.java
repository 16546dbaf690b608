package io.shoal.agent.logs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures the output of every running task of a node with one polling thread: each round it
 * looks at the length of each task's two raw files (two stat calls per idle task) and moves
 * what is new into the task's json.log ({@link Capture}). A task with more than a round's share
 * to read gets the next round at once instead of after the interval, so one chatty task neither
 * starves the others nor falls behind for long.
 *
 * <p>Followers ({@link LogReader}) wait on {@link #awaitRound} instead of polling files
 * themselves, and learn that a task's output is complete when {@link #capturing} turns false.
 */
public final class LogCollector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LogCollector.class);
    public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(100);
    /** A raw file is truncated once this much of it is in json.log. */
    public static final long DEFAULT_TRUNCATE_AT = 1 << 20;
    /** Raw bytes per file and round before the next task's turn. */
    static final long ROUND_BUDGET = 1 << 20;

    private final Duration interval;
    private final long truncateAt;
    private final Clock clock;
    private final Map<String, Capture> captures = new ConcurrentHashMap<>();
    private final Object rounds = new Object();
    private final Object sleep = new Object();
    private long round; // guarded by rounds
    private long tick; // owned by the polling thread
    private final boolean manual;
    private Thread thread; // guarded by this
    private volatile boolean closed;

    public LogCollector() {
        this(DEFAULT_INTERVAL, DEFAULT_TRUNCATE_AT, Clock.systemUTC());
    }

    public LogCollector(Duration interval, long truncateAt, Clock clock) {
        this(interval, truncateAt, clock, false);
    }

    private LogCollector(Duration interval, long truncateAt, Clock clock, boolean manual) {
        this.interval = interval;
        this.truncateAt = truncateAt;
        this.clock = clock;
        this.manual = manual;
    }

    /** A collector without a thread of its own: rounds run when a test calls {@link #pollOnce}. */
    static LogCollector manual(long truncateAt, Clock clock) {
        return new LogCollector(DEFAULT_INTERVAL, truncateAt, clock, true);
    }

    /**
     * Starts capturing a task's output from its log directory, going on from where an earlier
     * capture (say, before a daemon restart) stopped. Does nothing if it is already captured.
     */
    public void watch(String taskId, Path dir, LogOptions options) {
        if (closed || dir == null) return;
        captures.computeIfAbsent(taskId, id -> {
            try {
                Files.createDirectories(dir);
                return new Capture(id, dir, options, truncateAt, clock);
            } catch (IOException e) {
                LOG.warn("task {}: cannot capture its logs in {}: {}", id, dir, e.toString());
                return null;
            }
        });
        startThread();
    }

    /**
     * The task's container has ended: its output is complete. The next round reads the rest,
     * an unterminated last line included, and then the capture ends.
     */
    public void finish(String taskId) {
        Capture c = captures.get(taskId);
        if (c != null) c.ending = true;
    }

    /** Stops capturing at once (the task is being removed, or the node closes); returns once no round touches it. */
    public void unwatch(String taskId) {
        Capture c = captures.remove(taskId);
        if (c == null) return;
        synchronized (c) {
            c.close();
        }
        signal();
    }

    /** Whether the task's output is still being captured: more lines may come. */
    public boolean capturing(String taskId) {
        return captures.containsKey(taskId);
    }

    /** The number of tasks captured now. */
    public int size() {
        return captures.size();
    }

    /** A reader of the task's json.log that follows while this collector captures the task. */
    public LogReader reader(String taskId, Path dir) {
        return new LogReader(dir, () -> capturing(taskId), this::awaitRound);
    }

    /** The number of the last round that wrote anything or ended a capture. */
    public long round() {
        synchronized (rounds) {
            return round;
        }
    }

    /** Waits until a round after {@code seen} wrote something or ended a capture, at most {@code timeout}; returns the last round. */
    public long awaitRound(long seen, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (rounds) {
            while (round <= seen && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                TimeUnit.NANOSECONDS.timedWait(rounds, left);
            }
            return round;
        }
    }

    /** One round over every capture; returns whether some task had more to read than its share. Visible for tests and measurement. */
    boolean pollOnce() {
        boolean wrote = false;
        boolean more = false;
        long t = tick++;
        for (Capture c : captures.values()) {
            synchronized (c) {
                boolean last = c.ending;
                if (!last && t % idleStride(c.idleRounds) != 0) continue;
                try {
                    long n = c.poll(ROUND_BUDGET, last);
                    c.idleRounds = n > 0 ? 0 : c.idleRounds + 1;
                    wrote |= n > 0;
                    more |= n >= ROUND_BUDGET;
                    if (last && n < ROUND_BUDGET) {
                        c.close();
                        captures.remove(c.taskId(), c);
                        wrote = true;
                    }
                } catch (IOException | RuntimeException e) {
                    if (!Files.isDirectory(c.dir())) {
                        c.close();
                        captures.remove(c.taskId(), c);
                        wrote = true;
                    } else {
                        LOG.warn("task {}: capturing logs: {}", c.taskId(), e.toString());
                    }
                }
            }
        }
        if (wrote) signal();
        return more;
    }

    /**
     * A task quiet for a while is looked at every 2nd, 3rd, ... up to every 5th round: the
     * stat calls of a thousand idle tasks cost a fifth, and a quiet task's first new line waits
     * at most five intervals.
     */
    static int idleStride(int idleRounds) {
        return 1 + Math.min(idleRounds / 10, 4);
    }

    private void signal() {
        synchronized (rounds) {
            round++;
            rounds.notifyAll();
        }
    }

    private synchronized void startThread() {
        if (thread != null || closed || manual) return;
        thread = Thread.ofPlatform().daemon().name("log-collector").start(this::loop);
    }

    private void loop() {
        while (!closed) {
            boolean more = pollOnce();
            if (!more) {
                synchronized (sleep) {
                    if (closed) return;
                    try {
                        TimeUnit.NANOSECONDS.timedWait(sleep, interval.toNanos());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /** Stops capturing; the tasks' offsets are on disk, so a later collector goes on where this one stopped. */
    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        synchronized (sleep) {
            sleep.notifyAll(); // not an interrupt: that would close the file channels of a round in progress
        }
        if (t != null) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String id : captures.keySet()) unwatch(id);
        signal();
    }
}
