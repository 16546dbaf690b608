package io.shoal.daemon.multihost;

import static io.shoal.daemon.multihost.ManagerFailoverTest.managers;
import static io.shoal.daemon.multihost.ManagerFailoverTest.notable;
import static io.shoal.daemon.multihost.QuorumTest.serviceNames;
import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader cut off alone: the majority elects another and takes writes, the old leader takes
 * none (never two leaders accepting writes), and after healing every acknowledged write is on
 * every manager.
 */
class PartitionTest {
    static final Duration CONVERGE = Duration.ofSeconds(60);

    @BeforeAll
    static void requirements() throws Exception {
        Hosts.assumeAvailable(PartitionTest.class);
    }

    @Test
    void aLeaderCutOffAloneStopsTakingWritesAndNothingAcknowledgedIsLost(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(3)) {
            Host h1 = net.host(1), h2 = net.host(2), h3 = net.host(3);
            DaemonProcess d1 = h1.daemon(dir.resolve("h1"));
            DaemonProcess d2 = h2.daemon(dir.resolve("h2"));
            DaemonProcess d3 = h3.daemon(dir.resolve("h3"));
            Hosts.formManagers(h1, d1, d2, d3);
            eventually(CONVERGE, () -> managers(d1).equals(Map.of("h1", "Leader", "h2", "Reachable", "h3", "Reachable")));
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
                throw new AssertionError(notable(d2), e);
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
                Map<String, String> m = managers(d1);
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
        return managers(d).entrySet().stream().filter(e -> e.getValue().equals("Leader")).map(Map.Entry::getKey)
                .findFirst().orElse(null);
    }
}
