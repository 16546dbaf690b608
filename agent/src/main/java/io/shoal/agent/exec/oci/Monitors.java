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
 * is not the daemon's child but one of a long-lived spawner ({@code setsid sh}, in a session of its
 * own), which exits when the daemon is gone and leaves its monitors to init.
 *
 * <p>The spawner keeps one monitor forked ahead, waiting for its order (a container id on the
 * daemon's pipe); the one that takes an order signals the spawner to fork the next and goes on to
 * start its container. A fork of even a small shell took 3–4 ms here (page tables are dear on this
 * kind of VM), and two of them stood between the daemon's order and runc; now none does. Only one
 * monitor reads the pipe at a time, so orders never interleave.
 *
 * <p>A monitor writes its own pid to the bundle's {@code monitor} file before it runs runc, and its
 * container id to the spawner's stdout when it has recorded the exit code; the daemon reads those
 * lines.
 */
final class Monitors {
    private static final Logger LOG = LoggerFactory.getLogger(Monitors.class);

    /**
     * $1 is the dir of the bundles, $2 that of the pid files, the rest {@code runc --root ROOT}; fd 4
     * is the pipe of orders, fd 3 the one back to the daemon, which runc and the container must not
     * inherit. {@code cd -P /proc/self} tells a subshell its own pid without reading /proc/self/stat
     * byte by byte. A background job of a non-interactive sh ignores INT and QUIT, as a monitor
     * does; runc runs in its foreground, not as a job of its own. {@code wait} returns when a
     * monitor's signal has been trapped, or (0) once the pipe is closed and every monitor has ended.
     */
    private static final String SCRIPT = """
            exec 3>&1 4<&0 </dev/null >/dev/null 2>&1
            containers=$1 pids=$2; shift 2
            monitor() {
              IFS= read -r id <&4 || exit 0
              kill -USR1 $$
              exec 4<&-
              b=$containers/$id
              cd -P /proc/self && pid=${PWD#/proc/} && cd "$b" || { echo "$id" >&3; exit 1; }
              exec 2>>monitor.log
              echo "$pid" >monitor
              "$@" --log "$b/runc.log" --log-format json run --keep --pid-file "$pids/$id.pid" --bundle "$b" "$id" >stdout.log 2>stderr.log 3>&-
              echo $? >exitcode.tmp && mv exitcode.tmp exitcode
              echo "$id" >&3
            }
            trap 'monitor "$@" &' USR1
            monitor "$@" &
            until wait; do :; done
            """;

    /** How often the sweeper looks for monitors that ended without a word (see {@link #processEnd}). */
    private static final long SWEEP_MILLIS = 1000;

    private record Watched(long pid, Path bundle) {}

    private final List<String> argv;
    private final Map<String, CompletableFuture<Void>> ends = new ConcurrentHashMap<>();
    private final Map<CompletableFuture<Void>, Watched> watched = new ConcurrentHashMap<>();
    private boolean sweeping; // guarded by this
    private Process spawner; // guarded by this
    private OutputStream orders; // guarded by this

    Monitors(Path setsid, Path containers, Path pidFiles, Runc runc) {
        List<String> a = new ArrayList<>(List.of(setsid.toString(), "/bin/sh", "-c", SCRIPT, "shoal-spawner",
                containers.toString(), pidFiles.toString()));
        a.addAll(runc.argv());
        this.argv = List.copyOf(a);
    }

    /**
     * Has a monitor run runc for container {@code id} (its bundle in the containers dir); the result
     * completes when the monitor has recorded the container's exit code (or found no bundle).
     */
    CompletableFuture<Void> start(String id) throws IOException, InterruptedException {
        CompletableFuture<Void> end = new CompletableFuture<>();
        ends.put(id, end);
        byte[] order = (id + "\n").getBytes(StandardCharsets.UTF_8);
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

    /**
     * The end of monitor process {@code pid} of {@code bundle}, done at once when it does not run.
     * A monitor killed by hand (or one of an earlier daemon, whose spawner's pipe is gone) tells
     * nothing: one sweeper checks these processes every second, where the JDK's watch of a process
     * that is not its child costs a thread each.
     */
    CompletableFuture<Void> processEnd(long pid, Path bundle) {
        CompletableFuture<Void> end = new CompletableFuture<>();
        if (!isMonitorOf(pid, bundle)) {
            end.complete(null);
            return end;
        }
        watched.put(end, new Watched(pid, bundle));
        sweep();
        return end;
    }

    private synchronized void sweep() {
        if (sweeping) return;
        sweeping = true;
        Thread.ofVirtual().name("monitor-sweeper").start(() -> {
            for (;;) {
                try {
                    Thread.sleep(SWEEP_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                watched.forEach((end, w) -> {
                    if (!isMonitorOf(w.pid(), w.bundle())) {
                        watched.remove(end);
                        end.complete(null);
                    }
                });
                synchronized (this) {
                    if (watched.isEmpty()) {
                        sweeping = false;
                        return;
                    }
                }
            }
        });
    }

    /** Whether process {@code pid} is the monitor of {@code bundle} (and not a process that reused its pid). */
    static boolean isMonitorOf(long pid, Path bundle) {
        try {
            return Files.isSameFile(Path.of("/proc", Long.toString(pid), "cwd"), bundle);
        } catch (IOException e) {
            return false;
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // broken already
        }
    }

    private void startSpawner() throws IOException, InterruptedException {
        if (orders != null) closeQuietly(orders); // a dead spawner's waiting monitor reads its end and exits
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
