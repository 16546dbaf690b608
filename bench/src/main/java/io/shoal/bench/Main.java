package io.shoal.bench;

import io.shoal.common.FileTrees;
import io.shoal.testkit.DaemonProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Shoal's benchmarks, each figure printed beside a baseline measured in the same run (so machine load cannot flatter one side).
 * Sections: {@code scheduler}, {@code swarm} (convergence and memory), {@code oci} (real containers
 * beside bare runc; skipped with a reason without root, runc or busybox), {@code cluster}, {@code writes},
 * {@code network} (overlay throughput, discovery latency, convergence on a network), {@code ca}
 * (root CA rotation); all but {@code writes} when none is named.
 * {@code -v} prints progress of each convergence to stderr.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        List<String> sections = new ArrayList<>();
        boolean verbose = false;
        for (String a : args) {
            if (a.equals("-v")) verbose = true;
            else sections.add(a);
        }
        if (sections.isEmpty()) sections = List.of("scheduler", "swarm", "oci", "cluster", "network", "ca");
        System.out.printf("Shoal benchmarks — %d CPUs, Java %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        long t0 = System.nanoTime();
        for (String s : sections) {
            switch (s) {
                case "scheduler" -> SchedulerBench.run(1000, 10_000, 5);
                case "swarm" -> swarm(verbose);
                case "oci" -> oci(verbose);
                case "cluster" -> ClusterBench.run(3, 5);
                case "writes" -> ClusterBench.writes();
                case "network" -> NetworkBench.run();
                case "ca" -> CaRotationBench.run(3);
                default -> throw new IllegalArgumentException("unknown section " + s + " (scheduler, swarm, oci, cluster, writes, network, ca)");
            }
        }
        System.out.printf("%nTotal %.0f s%n", (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Runs the swarm benchmarks against a daemon in a temp dir. Whatever happens, the task processes
     * below the daemon are killed (the executor's monitors outlive the daemon by design), the daemon
     * stopped and the dir removed: in finally, and from a shutdown hook on Ctrl-C.
     */
    private static void swarm(boolean verbose) throws Exception {
        Path dir = Files.createTempDirectory("shoal-bench-");
        DaemonProcess daemon = new DaemonProcess(dir);
        Thread hook = new Thread(() -> cleanUp(daemon, dir));
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            daemon.start();
            new SwarmBench(daemon, verbose).run(List.of(100, 1000));
        } catch (Exception | Error e) {
            System.err.println("swarm bench failed; the daemon's log ends:\n" + tail(daemon.log(), 40));
            throw e;
        } finally {
            cleanUp(daemon, dir);
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    /**
     * Real containers against a daemon with {@code --executor oci} in a temp dir; afterwards (and on
     * Ctrl-C) the daemon is stopped and every container, mount, cgroup and process it or the bare
     * baseline left is removed before the dir.
     */
    private static void oci(boolean verbose) throws Exception {
        String why = OciBench.unavailable();
        if (why != null) {
            System.out.printf("%n== Real containers: skipped (%s)%n", why);
            return;
        }
        Path repo = Path.of("").toAbsolutePath();
        while (repo != null && !Files.isExecutable(repo.resolve("bin/busybox-image"))) repo = repo.getParent();
        if (repo == null) throw new IllegalStateException("run from inside the shoal checkout (bin/busybox-image not found)");
        Path dir = Files.createTempDirectory("shoal-bench-oci-");
        DaemonProcess daemon = new DaemonProcess(dir, DaemonProcess.Options.local().withExecutor("oci"));
        Thread hook = new Thread(() -> {
            cleanUp(daemon, dir, false);
            OciBench.sweep(dir);
            deleteTree(dir);
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            daemon.start();
            new OciBench(daemon, dir, repo, verbose).run(50);
        } catch (Exception | Error e) {
            System.err.println("oci bench failed; the daemon's log ends:\n" + tail(daemon.log(), 40));
            throw e;
        } finally {
            hook.run();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    private static synchronized void cleanUp(DaemonProcess daemon, Path dir) {
        cleanUp(daemon, dir, true);
    }

    private static synchronized void cleanUp(DaemonProcess daemon, Path dir, boolean delete) {
        try {
            if (Files.exists(dir.resolve("daemon.log"))) {
                try {
                    long pid = daemon.pid();
                    int killed = Procs.killDescendants(pid);
                    if (killed > 0) System.err.println("killed " + killed + " processes left below the daemon");
                } catch (RuntimeException e) {
                    // never started
                }
                daemon.close();
            }
        } catch (Exception e) {
            System.err.println("stopping the daemon: " + e);
        }
        if (delete) deleteTree(dir);
    }

    private static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            System.err.println("removing " + dir + ": " + e);
        }
    }

    private static String tail(String s, int lines) {
        String[] all = s.split("\n");
        return String.join("\n", java.util.Arrays.asList(all).subList(Math.max(0, all.length - lines), all.length));
    }
}
