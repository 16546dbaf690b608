package io.shoal.daemon.multihost;

import static io.shoal.daemon.multihost.QuorumTest.serviceNames;
import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.TestSwarm.CONVERGE;
import static io.shoal.testkit.TestSwarm.managerStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader cut off alone: the majority elects another and takes writes, the old leader takes
 * none (never two leaders accepting writes), and after healing every acknowledged write is on
 * every manager.
 */
@ExtendWith(Hosts.class)
class PartitionTest {
    @Test
    void aLeaderCutOffAloneStopsTakingWritesAndNothingAcknowledgedIsLost(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(3)) {
            Host h1 = net.host(1);
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(3, 0)).form();
            DaemonProcess d1 = swarm.daemon(1), d2 = swarm.daemon(2), d3 = swarm.daemon(3);
            assertEquals(Map.of("h1", "Leader", "h2", "Reachable", "h3", "Reachable"), managerStatus(d1));
            List<String> acknowledged = new ArrayList<>();
            d2.dockerOk("service", "create", "--detach", "--name", "before", "busybox", "sleep", "1000");
            acknowledged.add("before");

            net.linkDown(h1);
            // The majority elects a new leader and takes writes.
            try {
                eventually(CONVERGE, () -> {
                    String leader = leaderSeenBy(d2);
                    return leader != null && !leader.equals("h1");
                });
            } catch (AssertionError e) {
                throw new AssertionError(d2.notableLog(), e);
            }
            for (int i = 0; i < 3; i++) {
                String name = "during" + i;
                eventually(CONVERGE, () -> serviceNames(d2).contains(name) || QuorumTest.created(d2, name));
                acknowledged.add(name);
            }
            // The old leader, alone, acknowledges nothing.
            DaemonProcess.Result alone = d1.docker("service", "create", "--detach", "--name", "alone", "busybox", "sleep", "1000");
            assertNotEquals(0, alone.exit(), "the cut-off leader acknowledged a write: " + alone.both());

            net.linkUp(h1);
            for (DaemonProcess d : List.of(d1, d2, d3)) {
                eventually(CONVERGE, () -> serviceNames(d).containsAll(acknowledged));
            }
            eventually(CONVERGE, () -> {
                Map<String, String> m = managerStatus(d1);
                return m.size() == 3 && m.values().stream().filter("Leader"::equals).count() == 1;
            });
            // Writes go on through the old leader, now a follower.
            d1.dockerOk("service", "create", "--detach", "--name", "healed", "busybox", "sleep", "1000");
            assertTrue(serviceNames(d3).contains("healed") || waitFor(d3, "healed"));
        }
    }

    private static boolean waitFor(DaemonProcess d, String service) {
        eventually(CONVERGE, () -> serviceNames(d).contains(service));
        return true;
    }

    private static String leaderSeenBy(DaemonProcess d) {
        return managerStatus(d).entrySet().stream().filter(e -> e.getValue().equals("Leader")).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }
}
