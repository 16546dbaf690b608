package io.shoal.agent.logs;

import java.time.Instant;

/**
 * Which lines of a task to read: the streams, lines at or after {@code since} (null: all), the
 * last {@code tail} of them (negative: all), and whether to go on with new lines as they come.
 */
public record LogQuery(boolean stdout, boolean stderr, Instant since, int tail, boolean follow) {
    public static final LogQuery ALL = new LogQuery(true, true, null, -1, false);

    boolean wants(LogEntry e) {
        return (e.stream() == LogStream.STDOUT ? stdout : stderr) && (since == null || !e.time().isBefore(since));
    }
}
