package io.shoal.bench;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The convergence baseline: {@code sleep} processes started straight from Java, one after another,
 * each under an {@code sh -c} wrapper that backgrounds it and reports "started" as the process
 * executor's monitor does. Timed until the last wrapper has reported.
 */
final class BareProcesses implements AutoCloseable {
    /** The wrapper: backgrounds the command, prints its pid, and waits for it like the executor's monitor. */
    private static final String WRAPPER = "\"$@\" </dev/null >/dev/null 2>&1 & echo $!; exec >/dev/null; wait $!";

    private record Started(Process shell, long sleepPid) {}

    private final List<Started> started = new ArrayList<>();

    /** Starts {@code n} sleeps; returns the seconds until every wrapper reported its sleep's pid. */
    double start(int n) throws IOException {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            Process shell = new ProcessBuilder("sh", "-c", WRAPPER, "sh", "sleep", "100000")
                    .redirectInput(new File("/dev/null"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try (var out = new BufferedReader(new InputStreamReader(shell.getInputStream(), StandardCharsets.UTF_8))) {
                started.add(new Started(shell, Long.parseLong(out.readLine().strip())));
            }
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Sums in KiB for the memory baseline: wrapper shells' RSS, sleeps' RSS, shells' PSS, sleeps' PSS. */
    long[] memoryKib() {
        long[] sums = new long[4];
        for (Started s : started) {
            sums[0] += Procs.rssKib(s.shell().pid());
            sums[1] += Procs.rssKib(s.sleepPid());
            sums[2] += Procs.pssKib(s.shell().pid());
            sums[3] += Procs.pssKib(s.sleepPid());
        }
        return sums;
    }

    int size() {
        return started.size();
    }

    /** Kills every sleep (its wrapper then exits) and waits for the wrappers; kills any wrapper left. */
    @Override
    public void close() throws InterruptedException {
        for (Started s : started) ProcessHandle.of(s.sleepPid()).ifPresent(ProcessHandle::destroyForcibly);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (Started s : started) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!s.shell().waitFor(left, TimeUnit.NANOSECONDS)) s.shell().destroyForcibly().waitFor();
        }
        started.clear();
    }
}
