package io.shoal.bench;

import io.shoal.common.FileTrees;
import io.shoal.testkit.DaemonProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Shoal's benchmarks, each figure printed beside a baseline measured in the same run (so machine load cannot flatter one side).
 * Sections: {@code scheduler}, {@code swarm} (convergence and memory), {@code oci} (real containers
 * beside bare runc; skipped with a reason without root, runc or busybox), {@code cluster}, {@code writes},
 * {@code network} (overlay throughput, discovery latency, convergence on a network),
 * {@code network-convergence} (only the last), {@code security} (the three below), {@code ca} (root
 * CA rotation on 5 nodes), {@code unlock} (autolock: a locked manager's unlock to serving), {@code
 * secrets} (secret delivery by a service update, beside the same update without a secret), {@code
 * stack} (a stack deploy beside the same services created one by one); all but {@code writes} and
 * {@code network-convergence} when none is named.
 * {@code -v} prints progress of each convergence to stderr.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        List<String> sections = new ArrayList<>();
        boolean verbose = List.of(args).contains("-v");
        for (String a : args) {
            if (!a.equals("-v")) sections.add(a);
        }
        if (sections.isEmpty()) sections = List.of("scheduler", "swarm", "oci", "cluster", "network", "security", "stack");
        sections = sections.stream().flatMap(s -> s.equals("security") ? Stream.of("ca", "unlock", "secrets") : Stream.of(s)).toList();
        System.out.printf("Shoal benchmarks — %d CPUs, Java %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        long t0 = System.nanoTime();
        for (String s : sections) {
            switch (s) {
                case "scheduler" -> SchedulerBench.run(1000, 10_000, 5);
                case "swarm" -> swarm(verbose);
                case "oci" -> withOciDaemon("Real containers", "oci", (d, dir, repo) -> new OciBench(d, dir, repo, verbose).run(100));
                case "secrets" -> withOciDaemon("Secret delivery", "secrets", (d, dir, repo) -> new SecretBench(d, dir, repo).run(5));
                case "cluster" -> ClusterBench.run(3, 5);
                case "writes" -> ClusterBench.writes();
                case "network" -> NetworkBench.run();
                case "network-convergence" -> NetworkBench.convergenceOnly();
                case "ca" -> CaRotationBench.run(3);
                case "unlock" -> UnlockBench.run(5);
                case "stack" -> StackBench.run();
                default -> throw new IllegalArgumentException("unknown section " + s
                        + " (scheduler, swarm, oci, cluster, writes, network, network-convergence, security, ca, unlock, secrets, stack)");
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

    /** A section that runs against a one-node daemon with the oci executor. */
    @FunctionalInterface
    private interface OciSection {
        void run(DaemonProcess daemon, Path dir, Path repo) throws Exception;
    }

    /**
     * Runs {@code section} against a daemon with {@code --executor oci} in a temp dir; afterwards (and
     * on Ctrl-C) the daemon is stopped and every container, mount, cgroup and process it or a bare
     * baseline left is removed before the dir.
     */
    private static void withOciDaemon(String title, String what, OciSection section) throws Exception {
        String why = OciBench.unavailable();
        if (why != null) {
            System.out.printf("%n== %s: skipped (%s)%n", title, why);
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
            section.run(daemon, dir, repo);
        } catch (Exception | Error e) {
            System.err.println(what + " bench failed; the daemon's log ends:\n" + tail(daemon.log(), 40));
            throw e;
        } finally {
            hook.run();
            Runtime.getRuntime().removeShutdownHook(hook);
        }
    }

    static synchronized void cleanUp(DaemonProcess daemon, Path dir) {
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
