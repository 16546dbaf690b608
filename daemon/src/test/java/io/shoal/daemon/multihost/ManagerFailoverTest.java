package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningCount;
import static io.shoal.testkit.ServicePs.runningPerNode;
import static io.shoal.testkit.TestSwarm.CONVERGE;
import static io.shoal.testkit.TestSwarm.managerStatus;
import static io.shoal.testkit.TestSwarm.nodeStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.DiskSearch;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three managers and a worker on four hosts: two join with the manager token and become Raft
 * members; writes work through a follower; kill -9 of the leader elects another, the worker that
 * joined through the dead leader finds the new one, and the swarm goes on.
 */
@ExtendWith(Hosts.class)
class ManagerFailoverTest {
    @Test
    void managersJoinAndTheSwarmSurvivesTheLeadersDeath(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(4)) {
            // TestSwarm.join checks that each node says it joined as the role its token gives.
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(3, 1)).form(Duration.ofSeconds(1));
            DaemonProcess d1 = swarm.daemon(1), d2 = swarm.daemon(2), d3 = swarm.daemon(3), d4 = swarm.daemon(4);
            assertEquals(Map.of("h1", "Leader", "h2", "Reachable", "h3", "Reachable", "h4", ""), managerStatus(d1));
            // A follower answers reads and takes writes (Raft carries them to the leader).
            assertEquals(4, d2.dockerOk("node", "ls", "-q").lines().count());
            String secret = "S3cr3t-" + System.nanoTime();
            d2.dockerOk("service", "create", "--detach", "--name", "web", "--replicas", "4", "--env", "TOKEN=" + secret,
                    "busybox", "sleep", "1000");
            try {
                eventually(CONVERGE, () -> runningPerNode(d1, "web").equals(Map.of("h1", 1L, "h2", 1L, "h3", 1L, "h4", 1L)));
            } catch (AssertionError e) {
                throw new AssertionError(d1.dockerOk("service", "ps", "web") + d1.dockerOk("node", "ls") + "\n--- h2 log:\n" + d2.log(), e);
            }
            // The swarm's state on every node's disk (Raft log, snapshots, the worker's tasks) is sealed.
            d1.dockerOk("service", "update", "--detach", "--env-add", "MORE=" + secret + "-2", "web");
            // The update finishes before the leader dies: failover in the middle of a rolling update is another story.
            eventually(CONVERGE, () -> updateState(d1).equals("completed"));
            for (DaemonProcess d : List.of(d1, d2, d3, d4)) {
                assertEquals(List.of(), DiskSearch.filesContaining(d.dataDir().resolve("swarm"), secret),
                        "the service's env is on disk in clear");
            }

            d1.kill9();
            long killed = System.nanoTime();
            eventually(CONVERGE, () -> {
                Map<String, String> m = managerStatus(d2);
                return m.containsValue("Leader") && !"Leader".equals(m.get("h1"));
            });
            System.out.printf("kill -9 of the leader to a new leader shown: %.0f ms%n", (System.nanoTime() - killed) / 1e6);
            d2.dockerOk("service", "create", "--detach", "--name", "after", "--replicas", "2", "busybox", "sleep", "1000");
            try {
                eventually(CONVERGE, () -> runningCount(d2, "web") == 4
                        && !runningPerNode(d2, "web").containsKey("h1"));
                eventually(CONVERGE, () -> "Ready".equals(nodeStatus(d2).get("h4")));
            } catch (AssertionError e) {
                throw new AssertionError(d2.dockerOk("service", "ps", "web") + d2.dockerOk("node", "ls") + "\n--- h4 log:\n" + d4.log()
                        + "\n--- h2:\n" + d2.notableLog(), e);
            }
            assertEquals("Down", nodeStatus(d2).get("h1"));
        }
    }

    /** The web service's update state, or empty when there is none or the daemon refuses. */
    static String updateState(DaemonProcess d) {
        try {
            return d.dockerOk("service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", "web").trim();
        } catch (Exception e) {
            return "";
        }
    }
}
