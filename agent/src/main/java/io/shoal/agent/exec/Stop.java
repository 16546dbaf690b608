package io.shoal.agent.exec;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Docker's stop: the stop signal, then up to the grace period for the task to exit, then kill. */
public final class Stop {
    @FunctionalInterface
    public interface Step {
        void run() throws ExecException, InterruptedException;
    }

    private Stop() {}

    public static void gracefully(CompletableFuture<?> exit, long graceNanos, Step signal, Step kill)
            throws ExecException, InterruptedException {
        signal.run();
        try {
            exit.get(graceNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            kill.run();
        } catch (ExecutionException e) {
            throw new ExecException("task: waiting for exit: " + e.getCause(), e);
        }
    }
}
