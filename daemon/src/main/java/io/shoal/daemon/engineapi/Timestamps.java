package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A time as Docker's filters and log options take it (moby's timetypes.GetTimestamp): a Go
 * duration back from now ({@code 24h}, {@code 1h30m}), unix seconds with an optional fraction
 * (what the CLI sends for {@code --since}), an RFC 3339 time, or a date.
 */
final class Timestamps {
    private static final Pattern DURATION = Pattern.compile("([-+]?)((?:\\d*\\.?\\d+(?:ns|us|µs|ms|s|m|h))+)");
    private static final Pattern PART = Pattern.compile("(\\d*\\.?\\d+)(ns|us|µs|ms|s|m|h)");
    private static final Map<String, Long> UNIT_NANOS = Map.of("ns", 1L, "us", 1_000L, "µs", 1_000L, "ms", 1_000_000L,
            "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);
    private static final Pattern UNIX_TIME = Pattern.compile("(\\d+)(?:\\.(\\d{1,9}))?");

    private Timestamps() {}

    static Instant parse(String value, Instant now) {
        Matcher d = DURATION.matcher(value);
        if (d.matches()) {
            Duration ago = duration(d.group(2));
            return d.group(1).equals("-") ? now.plus(ago) : now.minus(ago);
        }
        Matcher u = UNIX_TIME.matcher(value);
        if (u.matches()) {
            long nanos = u.group(2) == null ? 0 : Long.parseLong((u.group(2) + "00000000").substring(0, 9));
            return Instant.ofEpochSecond(Long.parseLong(u.group(1)), nanos);
        }
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException notRfc3339) {
            try {
                return LocalDate.parse(value).atStartOfDay().toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notADate) {
                throw ApiException.invalid("failed to parse value as time or duration: \"%s\"", value);
            }
        }
    }

    private static Duration duration(String text) {
        long nanos = 0;
        Matcher part = PART.matcher(text);
        while (part.find()) {
            nanos += new BigDecimal(part.group(1)).multiply(BigDecimal.valueOf(UNIT_NANOS.get(part.group(2)))).longValue();
        }
        return Duration.ofNanos(nanos);
    }
}
