package io.shoal.daemon.engineapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.shoal.api.ApiException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Docker's times for filters: durations back from now, unix seconds, RFC 3339, dates. */
class TimestampsTest {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @Test
    void readsEveryFormDockerTakes() {
        assertEquals(NOW.minus(Duration.ofHours(24)), Timestamps.parse("24h", NOW));
        assertEquals(NOW.minus(Duration.ofMinutes(90)), Timestamps.parse("1h30m", NOW));
        assertEquals(NOW.minus(Duration.ofMillis(1500)), Timestamps.parse("1.5s", NOW));
        assertEquals(NOW.plus(Duration.ofMinutes(5)), Timestamps.parse("-5m", NOW));
        assertEquals(Instant.ofEpochSecond(1700000000, 120000000), Timestamps.parse("1700000000.12", NOW));
        assertEquals(Instant.EPOCH, Timestamps.parse("0", NOW), "0 is a time, not a duration, as in Go");
        assertEquals(Instant.parse("2025-01-01T00:00:00Z"), Timestamps.parse("2025-01-01T02:00:00+02:00", NOW));
        assertEquals(Instant.parse("2025-01-01T00:00:00Z"), Timestamps.parse("2025-01-01", NOW));
    }

    @Test
    void refusesTheRestInDockersWords() {
        ApiException e = assertThrows(ApiException.class, () -> Timestamps.parse("yesterday", NOW));
        assertEquals(400, e.status());
        assertEquals("failed to parse value as time or duration: \"yesterday\"", e.getMessage());
    }
}
