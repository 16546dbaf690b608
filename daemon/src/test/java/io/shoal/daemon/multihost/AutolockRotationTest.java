package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningCount;
import static io.shoal.testkit.TestSwarm.CONVERGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.pki.NodeKeys;
import io.shoal.pki.UnlockKey;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Autolock on three managers: every manager seals its keys with the swarm's unlock key, and
 * reseals them when it is rotated; a manager that was down during the rotation still opens with
 * the key it last saw, follows the new one once it has caught up, and from then on needs it. A
 * demoted manager's keys go back to clear (workers are never locked); promoted, it seals them again.
 */
@ExtendWith(Hosts.class)
class AutolockRotationTest {
    private static final Pattern KEY = Pattern.compile("SWMKEY-1-[A-Za-z0-9+/]+");

    private static boolean opensWith(DaemonProcess d, String key) {
        Path certificates = d.dataDir().resolve("swarm").resolve("certificates");
        try {
            NodeKeys.open(certificates, UnlockKey.parse(key));
            return NodeKeys.locked(certificates);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static boolean locked(DaemonProcess d) {
        try {
            return NodeKeys.locked(d.dataDir().resolve("swarm").resolve("certificates"));
        } catch (IOException e) {
            return true;
        }
    }

    private static DaemonProcess.Result unlock(DaemonProcess d, String key) throws Exception {
        return d.dockerWithInput(key + "\n", "swarm", "unlock");
    }

    private static String state(DaemonProcess d) throws Exception {
        return d.dockerOk("info", "--format", "{{.Swarm.LocalNodeState}}").trim();
    }

    @Test
    void everyManagerFollowsTheUnlockKeyAndOneThatWasDownUnlocksWithTheOldOneUntilItCaughtUp(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(3)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(3, 0)).form();
            DaemonProcess d1 = swarm.daemon(1), d2 = swarm.daemon(2), d3 = swarm.daemon(3);
            d1.dockerOk("service", "create", "--detach", "--name", "web", "--replicas", "3", "busybox", "sleep", "1000");
            Matcher m = KEY.matcher(d1.dockerOk("swarm", "update", "--autolock=true"));
            assertTrue(m.find());
            String first = m.group();
            for (DaemonProcess d : List.of(d1, d2, d3)) eventually(CONVERGE, () -> opensWith(d, first));
            eventually(CONVERGE, () -> runningCount(d1, "web") == 3);

            // h3 is down while the key is rotated: the others reseal their keys, h3's stay as they were.
            d3.kill9();
            String second = d1.dockerOk("swarm", "unlock-key", "--rotate", "-q").trim();
            assertNotEquals(first, second);
            assertEquals(second, d2.dockerOk("swarm", "unlock-key", "-q").trim());
            for (DaemonProcess d : List.of(d1, d2)) eventually(CONVERGE, () -> opensWith(d, second));
            assertTrue(opensWith(d3, first));

            // Back, h3 is locked with the key it last saw: the new one does not open it yet.
            d3.start();
            assertEquals("locked", state(d3));
            var refused = unlock(d3, second);
            assertNotEquals(0, refused.exit());
            assertTrue(refused.err().contains("swarm could not be unlocked: invalid key provided"), refused.err());
            var unlocked = unlock(d3, first);
            assertEquals(0, unlocked.exit(), unlocked.both());
            // Caught up, it follows the new key.
            eventually(CONVERGE, () -> opensWith(d3, second));
            assertFalse(opensWith(d3, first));

            // Restarted again, only the new key opens it.
            d3.kill9();
            d3.start();
            assertEquals("locked", state(d3));
            assertNotEquals(0, unlock(d3, first).exit());
            var again = unlock(d3, second);
            assertEquals(0, again.exit(), again.both());
            assertEquals("active", state(d3));
            swarm.awaitFormed();
            eventually(CONVERGE, () -> runningCount(d1, "web") == 3);
            assertEquals(3, d3.dockerOk("node", "ls", "-q").lines().count());

            // Workers are never locked: demoted, h3 writes its keys in clear; promoted again, it seals them.
            d1.dockerOk("node", "demote", "h3");
            eventually(CONVERGE, () -> !locked(d3));
            d3.kill9();
            d3.start();
            assertEquals("active", state(d3));
            d1.dockerOk("node", "promote", "h3");
            eventually(CONVERGE, () -> opensWith(d3, second));
        }
    }
}
