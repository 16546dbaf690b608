package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeKeys;
import io.shoal.pki.UnlockKey;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.DiskSearch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Autolock through the docker CLI: a restarted manager is locked, holds nothing in clear on disk,
 * refuses everything but unlock with Docker's words, refuses a wrong key, and with the right one
 * serves its swarm again with its tasks re-adopted; rotation and turning autolock off.
 */
class AutolockCliTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final Pattern KEY = Pattern.compile("SWMKEY-1-[A-Za-z0-9+/]+");
    private static final String LOCKED = "Swarm is encrypted and needs to be unlocked before it can be used. "
            + "Please use \"docker swarm unlock\" to unlock it.";

    static String key(String output) {
        Matcher m = KEY.matcher(output);
        assertTrue(m.find(), "no unlock key in: " + output);
        return m.group();
    }

    static Path certificates(DaemonProcess d) {
        return d.dataDir().resolve("swarm").resolve("certificates");
    }

    static boolean opensWith(DaemonProcess d, String key) {
        try {
            NodeKeys.open(certificates(d), UnlockKey.parse(key));
            return NodeKeys.locked(certificates(d));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static String state(DaemonProcess d) throws Exception {
        return d.dockerOk("info", "--format", "{{.Swarm.LocalNodeState}}").trim();
    }

    @Test
    void aRestartedManagerIsLockedHoldsNothingInClearAndResumesWithItsKey(@TempDir Path dir) throws Exception {
        assumeTrue(DaemonProcess.dockerCliPresent(), "skipped: no docker CLI at " + DaemonProcess.DOCKER);
        try (DaemonProcess daemon = new DaemonProcess(dir).start()) {
            daemon.dockerOk("swarm", "init", "--advertise-addr", "127.0.0.1");
            // The secrets as they lie in clear before autolock: the data key and the TLS key.
            byte[] file = Files.readAllBytes(certificates(daemon).resolve(NodeKeys.FILE));
            byte[] dataKey = Arrays.copyOfRange(file, file.length - 32, file.length);
            byte[] tlsKey = NodeCertificates.load(certificates(daemon)).orElseThrow().tls().key().getEncoded();
            String tlsKeyPem = Base64.getEncoder().encodeToString(tlsKey).substring(0, 64);
            assertFalse(DiskSearch.filesContaining(daemon.dataDir(), dataKey).isEmpty(), "the data key is not where this test looks");
            assertFalse(DiskSearch.filesContaining(daemon.dataDir(), tlsKeyPem).isEmpty(), "the TLS key is not where this test looks");
            daemon.dockerOk("service", "create", "--detach", "--name", "keep", "--replicas", "2", "busybox", "sleep", "1000");
            eventually(CONVERGE, () -> runningTasks(daemon, "keep").size() == 2);
            Set<String> tasks = runningTasks(daemon, "keep");
            Set<String> pids = RestartAndLeaveTest.pids(daemon, tasks);

            String updated = daemon.dockerOk("swarm", "update", "--autolock=true");
            assertTrue(updated.contains("Swarm updated."), updated);
            String key = key(updated);
            assertEquals(key, daemon.dockerOk("swarm", "unlock-key", "-q").trim());
            assertTrue(daemon.dockerOk("info").contains("Autolock Managers: true"));
            eventually(CONVERGE, () -> opensWith(daemon, key));

            daemon.kill9();
            daemon.start();
            assertEquals("locked", state(daemon));
            assertTrue(daemon.dockerOk("info").contains("Swarm: locked"));
            assertEquals(List.of(), DiskSearch.filesContaining(daemon.dataDir(), dataKey), "the data key is on disk in clear");
            assertEquals(List.of(), DiskSearch.filesContaining(daemon.dataDir(), tlsKey), "the TLS key is on disk in clear");
            assertEquals(List.of(), DiskSearch.filesContaining(daemon.dataDir(), tlsKeyPem), "the TLS key is on disk in clear");

            var ls = daemon.docker("service", "ls");
            assertNotEquals(0, ls.exit());
            assertTrue(ls.err().contains(LOCKED), ls.err());
            var services = daemon.http().get("/v1.45/services");
            assertEquals(503, services.status(), services.body());
            var leave = daemon.docker("swarm", "leave");
            assertTrue(leave.err().contains("Swarm is encrypted and locked. Please unlock it first or use `--force`"), leave.err());
            // Nothing of the swarm runs while locked, but the tasks' processes do.
            for (String pid : pids) assertTrue(ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false));

            var wrong = daemon.dockerWithInput(UnlockKey.generate().value() + "\n", "swarm", "unlock");
            assertNotEquals(0, wrong.exit());
            assertTrue(wrong.err().contains("swarm could not be unlocked: invalid key provided"), wrong.err());
            var malformed = daemon.dockerWithInput("SWMKEY-1-nonsense\n", "swarm", "unlock");
            assertTrue(malformed.err().contains("invalid key string"), malformed.err());
            assertEquals(400, daemon.http().post("/v1.45/swarm/unlock", "{not json").status());
            assertEquals(400, daemon.http().post("/v1.45/swarm/unlock", "{}").status());
            assertEquals("locked", state(daemon));

            var unlocked = daemon.dockerWithInput(key + "\n", "swarm", "unlock");
            assertEquals(0, unlocked.exit(), unlocked.both());
            assertEquals("active", state(daemon));
            assertEquals("keep", daemon.dockerOk("service", "ls", "--format", "{{.Name}}").trim());
            eventually(CONVERGE, () -> runningTasks(daemon, "keep").equals(tasks));
            assertEquals(pids, RestartAndLeaveTest.pids(daemon, tasks), "the tasks were restarted, not re-adopted");
            var again = daemon.http().post("/v1.45/swarm/unlock", "{\"UnlockKey\":\"" + key + "\"}");
            assertEquals(409, again.status(), again.body());

            // A rotated key is the one that opens the node from then on.
            String rotated = daemon.dockerOk("swarm", "unlock-key", "--rotate");
            assertTrue(rotated.contains("Successfully rotated manager unlock key."), rotated);
            String second = key(rotated);
            assertNotEquals(key, second);
            eventually(CONVERGE, () -> opensWith(daemon, second));
            assertFalse(opensWith(daemon, key));

            // Autolock off: the keys go back to clear and a restart comes up unlocked.
            daemon.dockerOk("swarm", "update", "--autolock=false");
            eventually(CONVERGE, () -> {
                try {
                    return !NodeKeys.locked(certificates(daemon));
                } catch (IOException e) {
                    return false;
                }
            });
            daemon.kill9();
            daemon.start();
            assertEquals("active", state(daemon));
            eventually(CONVERGE, () -> runningTasks(daemon, "keep").equals(tasks));
            var none = daemon.docker("swarm", "unlock-key");
            assertTrue(none.err().contains("no unlock key is set"), none.err());
            daemon.dockerOk("swarm", "leave", "--force");
        }
    }

    @Test
    void initWithAutolockPrintsTheKeyAndALockedNodeLeavesWithForce(@TempDir Path dir) throws Exception {
        assumeTrue(DaemonProcess.dockerCliPresent(), "skipped: no docker CLI at " + DaemonProcess.DOCKER);
        try (DaemonProcess daemon = new DaemonProcess(dir).start()) {
            var outside = daemon.http().post("/v1.45/swarm/unlock", "{\"UnlockKey\":\"" + UnlockKey.generate().value() + "\"}");
            assertEquals(503, outside.status(), outside.body());
            assertTrue(outside.body().contains("This node is not a swarm manager."), outside.body());
            String init = daemon.dockerOk("swarm", "init", "--autolock", "--advertise-addr", "127.0.0.1");
            assertTrue(init.contains("To unlock a swarm manager after it restarts, run the `docker swarm unlock`"), init);
            String key = key(init);
            assertEquals(key, daemon.dockerOk("swarm", "unlock-key", "-q").trim());
            assertTrue(opensWith(daemon, key), "the first manager's keys are not sealed from the start");
            assertEquals("true", daemon.dockerOk("info", "--format", "{{.Swarm.Cluster.Spec.EncryptionConfig.AutoLockManagers}}").trim());

            daemon.kill9();
            daemon.start();
            assertEquals("locked", state(daemon));
            assertEquals("", daemon.dockerOk("info", "--format", "{{.Swarm.NodeID}}").trim());
            daemon.dockerOk("swarm", "leave", "--force");
            assertEquals("inactive", state(daemon));
            assertFalse(Files.exists(certificates(daemon)));
            daemon.dockerOk("swarm", "init", "--advertise-addr", "127.0.0.1");
            assertEquals("active", state(daemon));
            daemon.dockerOk("swarm", "leave", "--force");
        }
    }
}
