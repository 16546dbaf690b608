package io.shoal.agent.logs;

import java.io.IOException;

/** Where a follower delivers lines; an IOException (say, the client went away) ends the read. */
public interface LogSink {
    void accept(LogEntry entry) throws IOException;

    /** Asked while waiting for new lines: false ends the read. */
    default boolean open() {
        return true;
    }
}
