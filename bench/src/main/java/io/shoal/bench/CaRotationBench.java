package io.shoal.bench;

import io.shoal.common.FileTrees;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Root CA rotation: {@code docker swarm ca --rotate} on a swarm of 3 managers and 2 workers, daemons
 * in network namespaces (process executor, default heartbeat), timed from the command's start until
 * it returns (every node holds a certificate of the new root and trusts it alone: the CLI's own
 * condition); several rotations one after another on the same swarm, the median printed beside
 * the same on a one-node swarm in the same run (what the node count adds) and Docker Swarm's
 * figure on one node on this kind of machine.
 */
final class CaRotationBench {
    private CaRotationBench() {}

    static void run(int rotations) throws Exception {
        System.out.println("\n== CA rotation: docker swarm ca --rotate until it returns (daemons in network namespaces, process executor)");
        var reason = TestNetwork.unavailableReason();
        if (reason.isPresent()) {
            System.out.println("skipped: " + reason.get());
            return;
        }
        TestNetwork.sweepLeftovers();
        long one = rotate(1, 0, rotations), five = rotate(3, 2, rotations);
        System.out.printf("docker swarm ca --rotate: 5 nodes (3 managers + 2 workers) median %.1f s; 1 node %.1f s in the same run;"
                + " Docker Swarm took 3.5 s on one node here%n", five / 1000.0, one / 1000.0);
    }

    /** The median of {@code rotations} rotations, in ms, on a swarm of {@code managers} and {@code workers}. */
    private static long rotate(int managers, int workers, int rotations) throws Exception {
        Path dir = Files.createTempDirectory("shoal-bench-ca-");
        try (TestNetwork net = TestNetwork.create(managers + workers)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(managers, workers)).form();
            DaemonProcess manager = swarm.daemon(1);
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < rotations; i++) {
                String before = manager.dockerOk("swarm", "ca");
                long t0 = System.nanoTime();
                manager.dockerOk("swarm", "ca", "--rotate", "--quiet");
                times.add((System.nanoTime() - t0) / 1_000_000);
                if (manager.dockerOk("swarm", "ca").equals(before)) throw new IllegalStateException("the root did not change");
                System.out.printf("%d node%s, rotation %d: %d ms%n", managers + workers, managers + workers == 1 ? "" : "s",
                        i + 1, times.getLast());
            }
            for (DaemonProcess d : swarm.daemons()) d.close();
            Collections.sort(times);
            return times.get(times.size() / 2);
        } finally {
            FileTrees.delete(dir);
        }
    }
}
