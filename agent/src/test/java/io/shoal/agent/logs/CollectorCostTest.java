package io.shoal.agent.logs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one shared poller costs for 1000 idle tasks: a round is two stat calls per task. Printed,
 * and held to a generous bound so that a regression (say, opening files every round) shows.
 */
class CollectorCostTest {
    @TempDir
    Path dir;

    @Test
    void aRoundOverAThousandIdleTasksIsCheap() throws Exception {
        try (LogCollector c = LogCollector.manual(LogCollector.DEFAULT_TRUNCATE_AT, Clock.systemUTC())) {
            for (int i = 0; i < 1000; i++) {
                Path d = Files.createDirectories(dir.resolve("t" + i));
                Files.writeString(d.resolve("stdout.log"), "hello\n");
                c.watch("t" + i, d, LogOptions.UNLIMITED);
            }
            c.pollOnce(); // everything read once
            for (int i = 0; i < 60; i++) c.pollOnce(); // warm up, and long enough idle to be looked at every 5th round
            int rounds = 100;
            long start = System.nanoTime();
            for (int i = 0; i < rounds; i++) c.pollOnce();
            double perRoundMs = (System.nanoTime() - start) / 1e6 / rounds;
            double cpuShare = perRoundMs / LogCollector.DEFAULT_INTERVAL.toMillis() * 100;
            System.out.printf("log collector: 1000 idle tasks, %.2f ms per round, %.1f%% of a core at a %d ms interval%n",
                    perRoundMs, cpuShare, LogCollector.DEFAULT_INTERVAL.toMillis());
            assertTrue(perRoundMs < 20, "a round over 1000 idle tasks took " + perRoundMs + " ms");
        }
    }
}
