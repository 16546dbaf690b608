package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningCount;
import static io.shoal.testkit.ServicePs.runningPerNode;
import static io.shoal.testkit.TestSwarm.CONVERGE;
import static io.shoal.testkit.TestSwarm.managerStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three managers lose two: writes fail fast with a clear error while reads answer and the tasks
 * keep running; one comes back and writes resume; lost for good, --force-new-cluster on the
 * survivor keeps every service; and the survivor's data dir, copied while it is stopped, brings
 * the swarm back on another host.
 */
@ExtendWith(Hosts.class)
class QuorumTest {
    @Test
    void quorumLossForceNewClusterAndRestoreOnAnotherHost(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(4)) {
            Host h1 = net.host(1), h4 = net.host(4);
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(3, 0)).form();
            DaemonProcess d1 = swarm.daemon(1), d2 = swarm.daemon(2), d3 = swarm.daemon(3);
            assertEquals(Map.of("h1", "Leader", "h2", "Reachable", "h3", "Reachable"), managerStatus(d1));
            d1.dockerOk("service", "create", "--detach", "--name", "web", "--replicas", "3", "busybox", "sleep", "1000");
            eventually(CONVERGE, () -> runningCount(d1, "web") == 3);
            String webOnH1 = d1.dockerOk("ps", "-q").trim();

            // Two of three managers gone: a write fails within seconds, with a message that says why.
            d2.kill9();
            d3.kill9();
            long t0 = System.nanoTime();
            DaemonProcess.Result refused = d1.docker("service", "create", "--detach", "--name", "lost", "busybox", "sleep", "1");
            long refusedMillis = (System.nanoTime() - t0) / 1_000_000;
            assertNotEquals(0, refused.exit(), refused.both());
            assertTrue(refused.both().contains("The swarm does not have a leader"), refused.both());
            assertTrue(refusedMillis < 20_000, "the refused write took " + refusedMillis + " ms");
            // Reads still answer, and the task on the survivor still runs.
            assertTrue(d1.dockerOk("service", "ls", "--format", "{{.Name}}").lines().toList().contains("web"));
            assertEquals(webOnH1, d1.dockerOk("ps", "-q").trim());

            // A majority again: writes resume.
            d3.start();
            try {
                eventually(CONVERGE, () -> serviceNames(d1).contains("during") || created(d1, "during"));
            } catch (AssertionError e) {
                throw new AssertionError("--- h1:\n" + d1.notableLog() + "\n--- h3:\n" + d3.notableLog(), e);
            }

            // The others are lost for good: the survivor forms a new one-manager swarm with everything in it.
            d3.kill9();
            String forced = d1.dockerOk("swarm", "init", "--force-new-cluster", "--advertise-addr", h1.address());
            assertTrue(forced.contains("Swarm initialized"), forced);
            // (A write refused for want of a leader may still commit once a majority is back, as in
            // any Raft: "lost" may or may not be there; nothing acknowledged is missing.)
            assertEquals(Set.of("web", "during"), acknowledged(d1));
            eventually(CONVERGE, () -> "Leader".equals(managerStatus(d1).get("h1")));
            d1.dockerOk("service", "create", "--detach", "--name", "after", "busybox", "sleep", "1000");
            try {
                eventually(CONVERGE, () -> runningPerNode(d1, "after").equals(Map.of("h1", 1L))
                        && runningPerNode(d1, "web").equals(Map.of("h1", 3L)));
            } catch (AssertionError e) {
                throw new AssertionError(d1.dockerOk("service", "ps", "web") + d1.dockerOk("node", "ls") + d1.notableLog(), e);
            }

            // Backup and restore: the data dir copied while the daemon is stopped, started on another host.
            d1.close();
            copyTree(d1.dataDir(), dir.resolve("h4").resolve("data"));
            DaemonProcess d4 = h4.daemon(dir.resolve("h4"));
            d4.dockerOk("swarm", "init", "--force-new-cluster", "--advertise-addr", h4.address());
            assertEquals(Set.of("web", "during", "after"), acknowledged(d4));
            d4.dockerOk("service", "create", "--detach", "--name", "restored", "busybox", "sleep", "1000");
            try {
                eventually(CONVERGE, () -> runningPerNode(d4, "restored").equals(Map.of(h4name(d4), 1L)));
            } catch (AssertionError e) {
                throw new AssertionError(d4.dockerOk("service", "ps", "restored") + d4.dockerOk("node", "ls") + d4.notableLog(), e);
            }
        }
    }

    static boolean created(DaemonProcess d, String name) {
        try {
            return d.docker("service", "create", "--detach", "--name", name, "busybox", "sleep", "1000").exit() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /** The hostname the restored node registers with (the copied node keeps its id; its agent reports this host's name). */
    private static String h4name(DaemonProcess d) {
        try {
            return selfHostname(d);
        } catch (Exception e) {
            return "?";
        }
    }

    private static String selfHostname(DaemonProcess d) throws Exception {
        return d.dockerOk("node", "ls", "--filter", "role=manager", "--format", "{{.Self}} {{.Hostname}}").lines()
                .filter(l -> l.startsWith("true ")).map(l -> l.substring(5)).findFirst().orElse("?");
    }

    private static Set<String> acknowledged(DaemonProcess d) {
        return serviceNames(d).stream().filter(n -> !n.equals("lost")).collect(Collectors.toSet());
    }

    static Set<String> serviceNames(DaemonProcess d) {
        try {
            return d.dockerOk("service", "ls", "--format", "{{.Name}}").lines().collect(Collectors.toSet());
        } catch (Exception e) {
            return Set.of();
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else if (Files.isRegularFile(p)) Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
