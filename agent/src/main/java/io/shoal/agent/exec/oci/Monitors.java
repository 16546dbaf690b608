package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.Launcher;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the containers' monitors. A monitor is a shell that runs {@code runc run --keep} in the
 * foreground and keeps its exit status (see {@link OciExecutor}). It must outlive the daemon, so it
 * is not the daemon's child: one long-lived spawner ({@code setsid sh}, in a session of its own)
 * forks each monitor twice over, so that the monitor is orphaned at once and reaped by init.
 * A monitor thus costs two forks of a small shell, where a process started from the JVM costs three
 * program starts (jspawnhelper, setsid, sh: ~18 ms of CPU a container here, on the cores runc needs).
 *
 * <p>A monitor writes its own pid to the bundle's {@code monitor} file before it runs runc, and its
 * container id to the spawner's stdout when it has recorded the exit code; the daemon reads those
 * lines. A spawner whose daemon dies reads EOF and exits; its monitors carry on.
 */
final class Monitors {
    private static final Logger LOG = LoggerFactory.getLogger(Monitors.class);

    /**
     * $@ is {@code runc --root ROOT}; fd 3 is the pipe to the daemon, which runc and the container
     * must not inherit. A background job of a non-interactive sh would ignore INT and QUIT, and so
     * would the container: runc runs in the foreground of its monitor.
     */
    private static final String SCRIPT = """
            exec 3>&1 >/dev/null 2>&1
            while IFS= read -r b && IFS= read -r id; do
              ( (
                cd "$b" || { echo "$id" >&3; exit 1; }
                exec 2>>"$b/monitor.log"
                read -r pid rest </proc/self/stat
                echo "$pid" >"$b/monitor"
                "$@" --log "$b/runc.log" --log-format json run --keep --pid-file "$b/init.pid" --bundle "$b" "$id" >"$b/stdout.log" 2>"$b/stderr.log" 3>&-
                echo $? >"$b/exitcode.tmp" && mv "$b/exitcode.tmp" "$b/exitcode"
                echo "$id" >&3
              ) </dev/null & )
            done
            """;

    private final List<String> argv;
    private final Map<String, CompletableFuture<Void>> ends = new ConcurrentHashMap<>();
    private Process spawner; // guarded by this
    private OutputStream orders; // guarded by this

    Monitors(Path setsid, Runc runc) {
        List<String> a = new ArrayList<>(List.of(setsid.toString(), "/bin/sh", "-c", SCRIPT, "shoal-spawner"));
        a.addAll(runc.argv());
        this.argv = List.copyOf(a);
    }

    /**
     * Has a monitor run runc for container {@code id} of {@code bundle}; the result completes when
     * the monitor has recorded the container's exit code (or could not go into the bundle).
     */
    CompletableFuture<Void> start(Path bundle, String id) throws IOException, InterruptedException {
        CompletableFuture<Void> end = new CompletableFuture<>();
        ends.put(id, end);
        byte[] order = (bundle.toAbsolutePath() + "\n" + id + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (this) {
            for (boolean retried = false; ; retried = true) {
                try {
                    if (spawner == null || !spawner.isAlive()) startSpawner();
                    orders.write(order);
                    orders.flush();
                    return end;
                } catch (IOException e) {
                    // the spawner died (killed by hand, say): start another, once
                    spawner = null;
                    if (retried) {
                        ends.remove(id, end);
                        throw e;
                    }
                }
            }
        }
    }

    /** Whether process {@code pid} is the monitor of {@code bundle} (and not a process that reused its pid). */
    static boolean isMonitorOf(long pid, Path bundle) {
        try {
            return Files.isSameFile(Path.of("/proc", Long.toString(pid), "cwd"), bundle);
        } catch (IOException e) {
            return false;
        }
    }

    private void startSpawner() throws IOException, InterruptedException {
        Process p = Launcher.start(new ProcessBuilder(argv).directory(new File("/")).redirectError(ProcessBuilder.Redirect.DISCARD));
        spawner = p;
        orders = p.getOutputStream();
        // Until every monitor of this spawner has ended: they hold its stdout after it is gone.
        Thread.ofVirtual().name("monitor-ends").start(() -> {
            try (var lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String id; (id = lines.readLine()) != null; ) {
                    CompletableFuture<Void> end = ends.remove(id);
                    if (end != null) end.complete(null);
                }
            } catch (IOException e) {
                LOG.warn("reading the container monitors' ends failed: {}", e.getMessage());
            }
        });
    }
}
