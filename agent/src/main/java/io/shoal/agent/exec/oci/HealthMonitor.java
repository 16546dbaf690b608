package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.Launcher;
import io.shoal.common.FileTrees;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs a container's health check with {@code runc exec} (or crun's) on a virtual thread, as Docker's
 * health monitor does: the first probe one interval after start, a probe that exceeds the timeout
 * is killed and counts as a failure, failures within the start period don't count (a success ends
 * the start period), and {@code retries} failures in a row make the container unhealthy, which
 * calls {@code onUnhealthy} once and ends the monitor. The state is written to
 * {@code health.json} in the bundle, so a restarted daemon starts from it.
 */
final class HealthMonitor {
    private static final int MAX_OUTPUT = 4096;

    private final OciSpec.HealthCheck check;
    private final OciRuntime runtime;
    private final String id;
    private final Bundle bundle;
    private final BooleanSupplier containerRunning;
    private final Runnable onUnhealthy;
    private volatile Health state;
    private volatile Thread thread;
    private int failingStreak;

    HealthMonitor(OciSpec.HealthCheck check, OciRuntime runtime, String id, Bundle bundle, BooleanSupplier containerRunning, Runnable onUnhealthy) {
        this.check = check;
        this.runtime = runtime;
        this.id = id;
        this.bundle = bundle;
        this.containerRunning = containerRunning;
        this.onUnhealthy = onUnhealthy;
        this.state = saved();
    }

    Health state() {
        return state;
    }

    synchronized void start() {
        if (thread != null || state == Health.UNHEALTHY) return;
        thread = Thread.ofVirtual().name("health-" + id).start(this::loop);
    }

    /** Stops probing; a no-op on the monitor's own thread, which is stopping the unhealthy container and ends by itself. */
    synchronized void stop() {
        if (thread != null && thread != Thread.currentThread()) thread.interrupt();
    }

    private void loop() {
        long startedAt = System.nanoTime();
        boolean everHealthy = state == Health.HEALTHY;
        try {
            while (containerRunning.getAsBoolean()) {
                TimeUnit.NANOSECONDS.sleep(check.intervalNanos());
                if (!containerRunning.getAsBoolean()) return;
                String output = probe();
                boolean ok = output == null;
                if (ok) {
                    everHealthy = true;
                    failingStreak = 0;
                    state = Health.HEALTHY;
                } else if (everHealthy || System.nanoTime() - startedAt >= check.startPeriodNanos()) {
                    if (++failingStreak >= check.retries()) state = Health.UNHEALTHY;
                }
                save(ok ? "" : output);
                if (state == Health.UNHEALTHY) {
                    if (containerRunning.getAsBoolean()) onUnhealthy.run();
                    return;
                }
            }
        } catch (InterruptedException e) {
            // stopped
        }
    }

    /** Null when the probe passed, else what it said (or why it failed). */
    private String probe() throws InterruptedException {
        Path pidFile = bundle.healthProbePidFile();
        List<String> argv = new ArrayList<>(List.of("exec", "--pid-file", pidFile.toString(), id));
        argv.addAll(check.command());
        Process p;
        try {
            Files.deleteIfExists(pidFile);
            p = Launcher.start(new ProcessBuilder(runtime.argv(argv.toArray(String[]::new))).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "health check interrupted";
        } catch (IOException e) {
            return "health check could not be run: " + e.getMessage();
        }
        var output = new java.io.ByteArrayOutputStream();
        var reader = Thread.ofVirtual().start(() -> {
            try (var in = p.getInputStream()) {
                byte[] buf = new byte[1024];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    synchronized (output) {
                        if (output.size() < MAX_OUTPUT) output.write(buf, 0, Math.min(n, MAX_OUTPUT - output.size()));
                    }
                }
            } catch (IOException e) {
                // the probe was killed
            }
        });
        if (!p.waitFor(check.timeoutNanos(), TimeUnit.NANOSECONDS)) {
            killProbe(pidFile);
            p.destroyForcibly();
            return "Health check exceeded timeout (" + TimeUnit.NANOSECONDS.toMillis(check.timeoutNanos()) + "ms)";
        }
        reader.join(1000);
        String said;
        synchronized (output) {
            said = output.toString(StandardCharsets.UTF_8).strip();
        }
        int code = p.exitValue();
        return code == 0 ? null : "exit " + code + (said.isEmpty() ? "" : ": " + said);
    }

    /** A probe that exceeded its timeout is killed inside the container, not only its runtime exec. */
    private static void killProbe(Path pidFile) {
        try {
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        } catch (IOException | NumberFormatException e) {
            // it never started, or already ended
        }
    }

    private Health saved() {
        try {
            var n = OciSpec.OCI.readTree(bundle.healthFile().toFile());
            failingStreak = n.path("failingStreak").asInt();
            return Health.valueOf(n.path("status").asText("STARTING").toUpperCase(java.util.Locale.ROOT));
        } catch (IOException | IllegalArgumentException e) {
            return Health.STARTING;
        }
    }

    private void save(String output) {
        ObjectNode n = OciSpec.OCI.createObjectNode()
                .put("status", state.dockerName())
                .put("failingStreak", failingStreak)
                .put("lastProbe", Instant.now().toString())
                .put("output", output.length() > MAX_OUTPUT ? output.substring(0, MAX_OUTPUT) : output);
        // Not into a bundle that is gone (the container was removed): writeAtomically would make it again.
        if (!Files.isDirectory(bundle.dir())) return;
        try {
            FileTrees.writeAtomically(bundle.healthFile(), OciSpec.OCI.writeValueAsBytes(n));
        } catch (IOException e) {
            // removed meanwhile
        }
    }
}
