package io.shoal.agent.logs;

import java.time.Instant;

/**
 * One line of a container's output as json-file keeps it: the time it was captured, its stream,
 * and the text with its newline (none for a line cut at {@link JsonLog#MAX_LINE} bytes or left
 * unterminated when the container ended).
 */
public record LogEntry(Instant time, LogStream stream, String line) {}
