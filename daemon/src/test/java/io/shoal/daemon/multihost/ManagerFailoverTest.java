package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.DiskSearch;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three managers and a worker on four hosts: two join with the manager token and become Raft
 * members; writes work through a follower; kill -9 of the leader elects another, the worker that
 * joined through the dead leader finds the new one, and the swarm goes on.
 */
class ManagerFailoverTest {
    static final Duration CONVERGE = Duration.ofSeconds(60);

    @BeforeAll
    static void requirements() throws Exception {
        Hosts.assumeAvailable(ManagerFailoverTest.class);
    }

    @Test
    void managersJoinAndTheSwarmSurvivesTheLeadersDeath(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(4)) {
            Host h1 = net.host(1), h2 = net.host(2), h3 = net.host(3), h4 = net.host(4);
            DaemonProcess d1 = h1.daemon(dir.resolve("h1"));
            DaemonProcess d2 = h2.daemon(dir.resolve("h2"));
            DaemonProcess d3 = h3.daemon(dir.resolve("h3"));
            d1.dockerOk("swarm", "init", "--advertise-addr", h1.address());
            d1.dockerOk("swarm", "update", "--dispatcher-heartbeat", "1s");
            String token = d1.dockerOk("swarm", "join-token", "-q", "manager").trim();
            String joined = d2.dockerOk("swarm", "join", "--token", token, h1.address() + ":2377");
            assertTrue(joined.contains("This node joined a swarm as a manager"), joined);
            d3.dockerOk("swarm", "join", "--token", token, h1.address() + ":2377");
            DaemonProcess d4 = h4.daemon(dir.resolve("h4"));
            d4.dockerOk("swarm", "join", "--token", d1.dockerOk("swarm", "join-token", "-q", "worker").trim(),
                    h1.address() + ":2377");

            try {
                eventually(CONVERGE, () -> managers(d1).equals(Map.of("h1", "Leader", "h2", "Reachable", "h3", "Reachable", "h4", "")));
            } catch (AssertionError e) {
                throw new AssertionError(d1.dockerOk("node", "ls") + "\n--- h2:\n" + notable(d2) + "\n--- h3:\n" + notable(d3), e);
            }
            // A follower answers reads and takes writes (Raft carries them to the leader).
            assertEquals(4, d2.dockerOk("node", "ls", "-q").lines().count());
            String secret = "S3cr3t-" + System.nanoTime();
            d2.dockerOk("service", "create", "--detach", "--name", "web", "--replicas", "4", "--env", "TOKEN=" + secret,
                    "busybox", "sleep", "1000");
            try {
                eventually(CONVERGE, () -> running(d1).equals(Map.of("h1", 1L, "h2", 1L, "h3", 1L, "h4", 1L)));
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
                Map<String, String> m = managers(d2);
                return m.containsValue("Leader") && !"Leader".equals(m.get("h1"));
            });
            System.out.printf("kill -9 of the leader to a new leader shown: %.0f ms%n", (System.nanoTime() - killed) / 1e6);
            d2.dockerOk("service", "create", "--detach", "--name", "after", "--replicas", "2", "busybox", "sleep", "1000");
            try {
                eventually(CONVERGE, () -> running(d2).values().stream().mapToLong(Long::longValue).sum() == 4
                        && !running(d2).containsKey("h1"));
                eventually(CONVERGE, () -> "Ready".equals(nodesOrEmpty(d2).get("h4")));
            } catch (AssertionError e) {
                throw new AssertionError(d2.dockerOk("service", "ps", "web") + d2.dockerOk("node", "ls") + "\n--- h4 log:\n" + d4.log()
                        + "\n--- h2:\n" + notable(d2), e);
            }
            assertEquals("Down", nodes(d2).get("h1"));
        }
    }

    /** A daemon's log without Ratis's chatter: its warnings, errors and our own lines. */
    static String notable(DaemonProcess d) {
        return d.log().lines().filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("io.shoal."))
                .collect(Collectors.joining("\n"));
    }

    /** Hostname → MANAGER STATUS as {@code docker node ls} shows it (empty for a worker), or empty when refused. */
    static String updateState(DaemonProcess d) {
        try {
            return d.dockerOk("service", "inspect", "--format", "{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}", "web").trim();
        } catch (Exception e) {
            return "";
        }
    }

    static Map<String, String> managers(DaemonProcess d) {
        try {
            var r = d.docker("node", "ls", "--format", "{{.Hostname}} {{.ManagerStatus}}");
            return r.exit() != 0 ? Map.of() : r.out().lines()
                    .map(l -> l.split(" ", 2)).collect(Collectors.toMap(a -> a[0], a -> a.length > 1 ? a[1].trim() : ""));
        } catch (Exception e) {
            return Map.of();
        }
    }

    static Map<String, String> nodes(DaemonProcess d) throws Exception {
        return d.dockerOk("node", "ls", "--format", "{{.Hostname}} {{.Status}}").lines()
                .map(l -> l.split(" ")).collect(Collectors.toMap(a -> a[0], a -> a[1]));
    }

    static Map<String, String> nodesOrEmpty(DaemonProcess d) {
        try {
            return nodes(d);
        } catch (Exception e) {
            return Map.of();
        }
    }

    static Map<String, Long> running(DaemonProcess d) {
        try {
            return d.dockerOk("service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}", "web")
                    .lines().filter(l -> l.contains("Running")).map(l -> l.split(" ")[0])
                    .collect(Collectors.groupingBy(n -> n, Collectors.counting()));
        } catch (Exception e) {
            return Map.of();
        }
    }
}
