package io.shoal.daemon.cli.oci;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.OciResidue;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What the OCI end-to-end tests need from the host: the preconditions (root, runc, busybox, the
 * docker CLI), a busybox image built by {@code bin/busybox-image}, a daemon with {@code --executor
 * oci} in a {@code shoal-oci-e2e-*} temp dir, host commands (nsenter, runc), cgroup files, and the
 * sweep that removes every container, mount, cgroup and process such a dir left behind.
 */
final class OciHost {
    static final String PREFIX = "shoal-oci-e2e-";
    static final Duration CONVERGE = Duration.ofSeconds(60);

    private OciHost() {}

    record Cmd(int exit, String out) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Skips the calling test, saying why, unless this host can run real containers. */
    static void assumeHost() {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: the oci executor needs root");
        assumeTrue(which("runc") != null, "skipped: no runc on the PATH (apt-get install runc)");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/busybox")) || which("busybox") != null,
                "skipped: no static busybox (apt-get install busybox-static)");
        assumeTrue(DaemonProcess.dockerCliPresent(), "skipped: no docker CLI at " + DaemonProcess.DOCKER);
        assumeTrue(which("nsenter") != null, "skipped: no nsenter (util-linux)");
        assumeTrue(BusyboxImage.script().isPresent(), "skipped: bin/busybox-image not found");
    }

    /** A fresh temp dir for one daemon; leftovers of earlier runs that died are swept first. */
    static Path newDir() throws IOException {
        OciResidue.sweepStale(Path.of(System.getProperty("java.io.tmpdir")), PREFIX);
        return Files.createTempDirectory(PREFIX);
    }

    /** A daemon with the oci executor, made a one-node swarm. */
    static DaemonProcess swarm(Path dir) throws Exception {
        DaemonProcess d = new DaemonProcess(dir, DaemonProcess.Options.local().withExecutor("oci")).start();
        d.dockerOk("swarm", "init", "--advertise-addr", "127.0.0.1");
        return d;
    }

    /** {@link #swarm} with the busybox image of {@code bin/busybox-image} loaded as {@code busybox:latest}. */
    static DaemonProcess swarmWithBusybox(Path dir) throws Exception {
        Path tar = BusyboxImage.build(dir, "busybox:latest");
        DaemonProcess d = swarm(dir);
        d.dockerOk("load", "-i", tar.toString());
        return d;
    }

    static Cmd run(List<String> argv) throws IOException, InterruptedException {
        Path out = Files.createTempFile("shoal-oci-cmd", ".txt");
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", argv) + " did not finish in 60 s");
            }
            return new Cmd(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    static Cmd run(String... argv) throws IOException, InterruptedException {
        return run(List.of(argv));
    }

    /** Runs a command inside every namespace of the process (the container's init). */
    static String inside(long pid, String... argv) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid), "-a"));
        cmd.addAll(List.of(argv));
        Cmd r = run(cmd);
        if (!r.ok()) throw new AssertionError(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.out());
        return r.out();
    }

    // ---- tasks, through the docker CLI

    static String taskField(DaemonProcess d, String task, String format) throws Exception {
        return d.dockerOk("inspect", "--type", "task", task, "--format", format).trim();
    }

    static long pid(DaemonProcess d, String task) throws Exception {
        return Long.parseLong(taskField(d, task, "{{.Status.ContainerStatus.PID}}"));
    }

    // ---- the host's view

    /** A cgroup file of a task's container, whichever hierarchy holds it (v1 controller dir, hybrid's unified, or cgroup2). */
    static String cgroupFile(String controller, String task, String file) throws IOException {
        for (Path p : List.of(Path.of("/sys/fs/cgroup", controller, "shoal", task, file),
                Path.of("/sys/fs/cgroup/unified/shoal", task, file), Path.of("/sys/fs/cgroup/shoal", task, file))) {
            if (Files.isRegularFile(p)) return Files.readString(p).strip();
        }
        return null;
    }

    // ---- clean-up

    /**
     * Removes the daemon's services (so its agent stops and removes the containers), waits a while
     * for that, stops the daemon, then sweeps what is left.
     */
    static void tearDown(DaemonProcess d, Path dir) {
        if (d == null) return;
        try {
            String services = d.docker("service", "ls", "-q").out();
            for (String s : services.lines().toList()) d.docker("service", "rm", s.strip());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!OciResidue.containers(d.dataDir()).isEmpty() && System.nanoTime() < deadline) Thread.sleep(100);
        } catch (Exception e) {
            System.err.println("tearing down " + dir + ": " + e);
        }
        try {
            d.close();
        } catch (Exception e) {
            System.err.println("stopping the daemon in " + dir + ": " + e);
        }
        OciResidue.sweep(dir);
    }

    /** Waits until the daemon's host has nothing left of these tasks: no runc container, no cgroup, no bundle. */
    static void awaitGone(DaemonProcess d, Set<String> tasks) {
        eventually(CONVERGE, () -> {
            try {
                Set<String> left = OciResidue.containers(d.dataDir());
                left.retainAll(tasks);
                return left.isEmpty() && tasks.stream().allMatch(t -> OciResidue.cgroupDirs(t).isEmpty()
                        && !Files.exists(d.dataDir().resolve("oci/containers").resolve(t)));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    static Path which(String name) {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }
}
