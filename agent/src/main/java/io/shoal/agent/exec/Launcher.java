package io.shoal.agent.exec;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Starts host programs on a few platform threads. Starting a process blocks in native code, which
 * pins the carrier of a virtual thread: a thousand tasks starting at once on virtual threads would
 * stall every other virtual thread of the daemon (heartbeats, controllers) for seconds.
 */
public final class Launcher {
    private static final ExecutorService THREADS = Executors.newFixedThreadPool(2,
            Thread.ofPlatform().name("launcher-", 0).daemon().factory());

    private Launcher() {}

    public static Process start(ProcessBuilder pb) throws IOException, InterruptedException {
        Future<Process> f = THREADS.submit(pb::start);
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        }
    }
}
