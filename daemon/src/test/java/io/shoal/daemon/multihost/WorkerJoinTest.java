package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningPerNode;
import static io.shoal.testkit.TestSwarm.nodeStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker on another host joins a manager's swarm with the worker token, over the cluster port's
 * mutual TLS, runs its share of a service, and when it dies its tasks move to the manager.
 */
@ExtendWith(Hosts.class)
class WorkerJoinTest {
    static final Duration CONVERGE = Duration.ofSeconds(30);

    @Test
    void aWorkerJoinsRunsTasksAndTheirTasksMoveWhenItDies(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(2)) {
            Host h1 = net.host(1), h2 = net.host(2);
            // A swarm of the manager alone; the worker's daemon joins by hand, since its join is what this test is about.
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(1, 0)).form(Duration.ofSeconds(1));
            DaemonProcess manager = swarm.daemon(1);
            DaemonProcess worker = h2.daemon(dir.resolve("h2"));
            String token = swarm.tokens().worker();
            String remote = h1.address() + ":2377";

            // A token whose secret is wrong, and one of another swarm, are refused.
            String forged = token.substring(0, token.lastIndexOf('-') + 1) + "0".repeat(25);
            var refused = worker.docker("swarm", "join", "--token", forged, remote);
            assertNotEquals(0, refused.exit());
            assertTrue(refused.err().contains("A valid join token is necessary to join this cluster"), refused.err());
            String foreign = "SWMTKN-1-" + "1".repeat(50) + token.substring(token.lastIndexOf('-'));
            var otherCa = worker.docker("swarm", "join", "--token", foreign, remote);
            assertNotEquals(0, otherCa.exit());
            assertTrue(otherCa.err().contains("remote CA does not match fingerprint"), otherCa.err());

            // A token rotated away is refused; its successor works.
            String rotated = manager.dockerOk("swarm", "join-token", "--rotate", "-q", "worker").trim();
            assertNotEquals(token, rotated);
            var stale = worker.docker("swarm", "join", "--token", token, remote);
            assertNotEquals(0, stale.exit());
            assertTrue(stale.err().contains("A valid join token is necessary to join this cluster"), stale.err());

            String joined = worker.dockerOk("swarm", "join", "--token", rotated, remote);
            assertTrue(joined.contains("This node joined a swarm as a worker"), joined);
            assertEquals("active", worker.dockerOk("info", "--format", "{{.Swarm.LocalNodeState}}").trim());
            var onWorker = worker.docker("node", "ls");
            assertNotEquals(0, onWorker.exit());
            assertTrue(onWorker.err().contains("not a swarm manager"), onWorker.err());

            try {
                eventually(CONVERGE, () -> nodeStatus(manager).equals(Map.of("h1", "Ready", "h2", "Ready")));
            } catch (AssertionError e) {
                throw new AssertionError(manager.dockerOk("node", "ls") + "\n--- worker log:\n" + worker.log(), e);
            }

            manager.dockerOk("service", "create", "--detach", "--name", "web", "--replicas", "4", "busybox", "sleep", "1000");
            try {
                eventually(CONVERGE, () -> runningPerNode(manager, "web").equals(Map.of("h1", 2L, "h2", 2L)));
            } catch (AssertionError e) {
                throw new AssertionError(manager.dockerOk("service", "ps", "--no-trunc", "web") + manager.dockerOk("node", "ls")
                        + "\n--- worker log:\n" + worker.log() + "\n--- manager log:\n" + manager.log(), e);
            }
            assertEquals(2, worker.dockerOk("ps", "-q").lines().count(), "the worker runs its two containers");
            String container = worker.dockerOk("ps", "-q", "--no-trunc").lines().findFirst().orElseThrow();
            assertEquals(0, worker.docker("logs", container).exit(), "a worker serves its own containers' logs");

            worker.kill9();
            eventually(CONVERGE, () -> "Down".equals(nodeStatus(manager).get("h2")));
            eventually(CONVERGE, () -> runningPerNode(manager, "web").equals(Map.of("h1", 4L)));
        }
    }
}
