package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.Launcher;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The containers' monitors, and spares of them started ahead of need. A monitor is a detached
 * {@code setsid sh} that runs {@code runc run --keep} in the foreground and keeps its exit status
 * (see {@link OciExecutor}). Starting one from the JVM costs three program starts (jspawnhelper,
 * setsid, sh: 15–70 ms here, more under load) before runc's own; a spare has paid them already
 * and waits on its stdin for the bundle and the container id, so a container start pays only sh's
 * fork and runc's exec, as a bare {@code runc run} does. A spare whose daemon dies reads EOF and
 * exits.
 */
final class Monitors {
    private static final Logger LOG = LoggerFactory.getLogger(Monitors.class);

    /**
     * $@ is {@code runc --root ROOT}. Stdin gives the bundle and the id, then is let go (the daemon's
     * pipe must not tie the container's life to the daemon's). A background job of a non-interactive
     * sh would ignore INT and QUIT, and so would the container: runc runs in the foreground.
     */
    private static final String SCRIPT = """
            IFS= read -r b && IFS= read -r id || exit 0
            cd "$b" || exit 1
            exec </dev/null 2>>"$b/monitor.log"
            "$@" --log "$b/runc.log" --log-format json run --keep --pid-file "$b/init.pid" --bundle "$b" "$id" >"$b/stdout.log" 2>"$b/stderr.log"
            echo $? >"$b/exitcode.tmp" && mv "$b/exitcode.tmp" "$b/exitcode"
            """;

    private final List<String> argv;
    private final int spares;
    private final ConcurrentLinkedQueue<Process> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger coming = new AtomicInteger();

    /** {@code spares}: how many to keep ready, as many as containers may start at once. */
    Monitors(Path setsid, Runc runc, int spares) {
        List<String> a = new ArrayList<>(List.of(setsid.toString(), "/bin/sh", "-c", SCRIPT, "shoal-monitor"));
        a.addAll(runc.argv());
        this.argv = List.copyOf(a);
        this.spares = spares;
    }

    /**
     * A monitor now running runc for container {@code id} of {@code bundle} (a spare, or a new one when
     * none is ready); {@code beforeRun} gets its pid first.
     */
    Process start(Path bundle, String id, PidSink beforeRun) throws IOException, InterruptedException {
        byte[] order = (bundle.toAbsolutePath() + "\n" + id + "\n").getBytes(StandardCharsets.UTF_8);
        for (;;) {
            Process m = ready.poll();
            if (m == null) m = spawn();
            try {
                beforeRun.accept(m.pid());
            } catch (IOException e) {
                m.destroyForcibly();
                throw e;
            }
            try (OutputStream in = m.getOutputStream()) {
                in.write(order);
            } catch (IOException e) {
                // the spare died (killed by hand, say): take another
                m.destroyForcibly();
                continue;
            }
            return m;
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

    @FunctionalInterface
    interface PidSink {
        void accept(long pid) throws IOException;
    }

    /**
     * Starts spares in the background up to the number to keep. Called once a container's start is
     * over, not when its spare is taken: the spare's three program starts would compete with runc
     * for the CPU and delay the very start they replace.
     */
    void replenish() {
        if (ready.size() + coming.get() >= spares) return;
        coming.incrementAndGet();
        Thread.ofVirtual().name("monitor-spare").start(() -> {
            try {
                ready.add(spawn());
            } catch (IOException e) {
                LOG.warn("starting a spare container monitor failed: {}", e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                coming.decrementAndGet();
            }
        });
    }

    private Process spawn() throws IOException, InterruptedException {
        return Launcher.start(new ProcessBuilder(argv).directory(new File("/"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD));
    }
}
