package io.shoal.bench;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Leader failover with three managers in network namespaces: kill -9 of the leader until the
 * first write acknowledged by a survivor, over several runs; also how long the swarm takes to
 * form (init and two manager joins). Printed beside the election timeout in force.
 */
final class FailoverBench {
    private FailoverBench() {}

    static void run(int runs) throws Exception {
        System.out.println("== Leader failover: 3 managers on 3 hosts (network namespaces), process executor");
        var reason = TestNetwork.unavailableReason();
        if (reason.isPresent()) {
            System.out.println("skipped: " + reason.get());
            return;
        }
        TestNetwork.sweepLeftovers();
        List<Long> failovers = new ArrayList<>();
        List<Long> forms = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Path dir = Files.createTempDirectory("shoal-failover");
            try (TestNetwork net = TestNetwork.create(3)) {
                List<DaemonProcess> d = new ArrayList<>();
                for (int h = 1; h <= 3; h++) d.add(net.host(h).daemon(dir.resolve("h" + h)));
                long t0 = System.nanoTime();
                String leaderAddr = net.host(1).address();
                d.get(0).dockerOk("swarm", "init", "--advertise-addr", leaderAddr);
                String token = d.get(0).dockerOk("swarm", "join-token", "-q", "manager").trim();
                for (int h = 1; h < 3; h++) d.get(h).dockerOk("swarm", "join", "--token", token, leaderAddr + ":2377");
                forms.add((System.nanoTime() - t0) / 1_000_000);

                d.get(0).kill9();
                long killed = System.nanoTime();
                int n = 0;
                while (true) {
                    String spec = "{\"Name\":\"w" + n++ + "\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"busybox\","
                            + "\"Args\":[\"sleep\",\"1\"]}},\"Mode\":{\"Replicated\":{\"Replicas\":0}}}";
                    if (d.get(1).http().post("/v1.45/services/create", spec).status() == 201) break;
                    if (System.nanoTime() - killed > 60_000_000_000L) throw new IllegalStateException("no write within 60 s");
                    Thread.sleep(20);
                }
                failovers.add((System.nanoTime() - killed) / 1_000_000);
                System.out.printf("run %d: swarm formed in %d ms; kill -9 of the leader to the first acknowledged write: %d ms%n",
                        i + 1, forms.getLast(), failovers.getLast());
            }
        }
        System.out.printf("failover median %d ms over %d runs (election timeout 300–600 ms, Ratis; swarmkit's default is about 10 s"
                + " and Docker Swarm took 10.9–14.0 s here); target ≤ 2000 ms%n", median(failovers), runs);
        System.out.printf("3-manager swarm formed (init + 2 joins): median %d ms%n", median(forms));
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
