package io.shoal.agent.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Docker's json-file line: {@code {"log":"text\n","stream":"stdout","time":"RFC3339Nano"}} and a
 * newline, one per captured line.
 */
public final class JsonLog {
    /** The file the lines go to, in the task's log directory; rotated ones get .1, .2, ... */
    public static final String FILE = "json.log";
    /** A longer line is cut into pieces of this size, as Docker's log copier does. */
    public static final int MAX_LINE = 16 * 1024;

    /** Docker's RFC3339NanoFixed, as the API prints timestamps: always nine digits. */
    public static final DateTimeFormatter FIXED_NANOS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.nnnnnnnnn'Z'").withZone(ZoneOffset.UTC);

    private static final JsonFactory FACTORY = new JsonFactory();

    private JsonLog() {}

    static byte[] encode(LogEntry e) {
        StringBuilder b = new StringBuilder(e.line().length() + 80);
        b.append("{\"log\":\"");
        JsonStringEncoder.getInstance().quoteAsString(e.line(), b);
        b.append("\",\"stream\":\"").append(e.stream().jsonName()).append("\",\"time\":\"");
        b.append(FIXED_NANOS.format(e.time())).append("\"}\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One line of a json.log, without its newline; null for a line that is not a log entry. */
    static LogEntry decode(byte[] buf, int off, int len) {
        String log = null;
        String stream = null;
        String time = null;
        try (JsonParser p = FACTORY.createParser(buf, off, len)) {
            if (p.nextToken() != JsonToken.START_OBJECT) return null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "log" -> log = p.getText();
                    case "stream" -> stream = p.getText();
                    case "time" -> time = p.getText();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            return null;
        }
        if (log == null || stream == null || time == null) return null;
        try {
            return new LogEntry(Instant.parse(time), LogStream.of(stream), log);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
