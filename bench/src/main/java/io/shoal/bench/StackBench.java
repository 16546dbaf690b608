package io.shoal.bench;

import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.network.DataPlane;
import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.OciResidue;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code docker stack deploy} of a 10-service stack (3 replicas each, one overlay network, one secret
 * and one config per service from files: 30 runc containers on a 3-node swarm in network
 * namespaces) until every task runs, beside the same 10 services created one by one with
 * {@code docker secret create}, {@code docker config create} and {@code docker service create
 * --secret --config} on a network made with {@code docker network create}, in the same run,
 * alternately.
 */
final class StackBench {
    private static final int SERVICES = 10;
    private static final int REPLICAS = 3;
    private static final int ROUNDS = 2;
    private static final Duration CONVERGE = Duration.ofSeconds(180);

    private StackBench() {}

    static void run() throws Exception {
        System.out.printf("%n== Stacks: %d services × %d replicas on one overlay network, 3 nodes (runc)%n", SERVICES, REPLICAS);
        var reason = TestNetwork.unavailableReason().or(DataPlane::unavailableReason);
        if (reason.isPresent() || !OciExecutor.available() || BusyboxImage.script().isEmpty()) {
            System.out.println("skipped: " + reason.orElse("runc or bin/busybox-image missing"));
            return;
        }
        TestNetwork.sweepLeftovers();
        Path dir = Files.createTempDirectory("shoal-bench-stack-");
        try (TestNetwork net = TestNetwork.create(3)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(1, 2).withLaunch(h -> h.daemonOptions().withExecutor("oci")));
            swarm.form();
            Path image = BusyboxImage.build(dir, "busybox");
            for (DaemonProcess d : swarm.daemons()) d.dockerOk("load", "-i", image.toString());
            DaemonProcess manager = swarm.daemon(1);
            Path compose = dir.resolve("compose.yml");
            Files.writeString(compose, compose());
            for (int s = 0; s < SERVICES; s++) {
                Files.writeString(dir.resolve("secret" + s + ".txt"), "secret of svc" + s);
                Files.writeString(dir.resolve("config" + s + ".txt"), "config of svc" + s);
            }
            List<Long> stack = new ArrayList<>(), oneByOne = new ArrayList<>();
            for (int round = 1; round <= ROUNDS; round++) {
                stack.add(timed(manager, () -> manager.dockerOk("stack", "deploy", "--detach=true", "-c", compose.toString(), "bench")));
                removeAll(manager);
                oneByOne.add(timed(manager, () -> {
                    manager.dockerOk("network", "create", "-d", "overlay", "bench_net");
                    for (int s = 0; s < SERVICES; s++) {
                        manager.dockerOk("secret", "create", "s" + s, dir.resolve("secret" + s + ".txt").toString());
                        manager.dockerOk("config", "create", "c" + s, dir.resolve("config" + s + ".txt").toString());
                        manager.dockerOk("service", "create", "--detach", "--name", "svc" + s, "--network", "bench_net",
                                "--secret", "s" + s, "--config", "c" + s,
                                "--replicas", Integer.toString(REPLICAS), "busybox", "sleep", "100000");
                    }
                }));
                removeAll(manager);
                System.out.printf("round %d: stack deploy %d ms, one by one %d ms%n", round, stack.getLast(), oneByOne.getLast());
            }
            System.out.printf("%d tasks running after the first command: stack deploy median %d ms, the same services created"
                    + " one by one median %d ms (%.2f×)%n", SERVICES * REPLICAS, ClusterBench.median(stack), ClusterBench.median(oneByOne),
                    ClusterBench.median(stack) / (double) ClusterBench.median(oneByOne));
        } finally {
            OciResidue.sweep(dir);
        }
    }

    /** The files {@code secret<n>.txt} and {@code config<n>.txt} beside it hold the secrets' and configs' values. */
    private static String compose() {
        StringBuilder b = new StringBuilder("version: \"3.8\"\nservices:\n");
        for (int s = 0; s < SERVICES; s++) {
            b.append("  svc").append(s).append(":\n    image: busybox\n    command: [\"sleep\", \"100000\"]\n")
                    .append("    secrets: [s").append(s).append("]\n    configs: [c").append(s).append("]\n")
                    .append("    deploy:\n      replicas: ").append(REPLICAS).append('\n');
        }
        for (String kind : List.of("secret", "config")) {
            b.append(kind).append("s:\n");
            for (int s = 0; s < SERVICES; s++) {
                b.append("  ").append(kind.charAt(0)).append(s).append(":\n    file: ./").append(kind).append(s).append(".txt\n");
            }
        }
        return b.toString();
    }

    @FunctionalInterface
    private interface Work {
        void run() throws Exception;
    }

    /** Milliseconds from the start of {@code work} until every task of every service runs. */
    private static long timed(DaemonProcess manager, Work work) throws Exception {
        long t0 = System.nanoTime();
        work.run();
        DaemonProcess.eventually(CONVERGE, () -> running(manager) == SERVICES * REPLICAS);
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static long running(DaemonProcess manager) {
        try {
            return manager.dockerOk("service", "ls", "--format", "{{.Replicas}}").lines()
                    .mapToLong(l -> Long.parseLong(l.strip().split("/")[0])).sum();
        } catch (Exception e) {
            return -1;
        }
    }

    /**
     * Removes every service, waits until their containers are gone, then removes the networks,
     * secrets and configs they used.
     */
    private static void removeAll(DaemonProcess manager) throws Exception {
        removeEvery(manager, "service");
        DaemonProcess.eventually(CONVERGE, () -> {
            try {
                return manager.http().get("/v1.45/tasks").body().equals("[]");
            } catch (Exception e) {
                return false;
            }
        });
        for (String n : List.of("bench_default", "bench_net")) manager.docker("network", "rm", n);
        removeEvery(manager, "secret");
        removeEvery(manager, "config");
    }

    /** {@code docker <kind> rm} of every object {@code docker <kind> ls} lists. */
    private static void removeEvery(DaemonProcess manager, String kind) throws Exception {
        List<String> ids = manager.dockerOk(kind, "ls", "-q").lines().map(String::strip).toList();
        if (ids.isEmpty()) return;
        List<String> rm = new ArrayList<>(List.of(kind, "rm"));
        rm.addAll(ids);
        manager.dockerOk(rm.toArray(String[]::new));
    }
}
