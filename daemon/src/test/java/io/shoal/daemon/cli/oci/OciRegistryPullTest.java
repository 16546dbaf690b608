package io.shoal.daemon.cli.oci;

import static io.shoal.daemon.cli.oci.OciHost.CONVERGE;
import static io.shoal.daemon.cli.oci.OciHost.taskField;
import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A task whose image the node lacks is pulled from the registry its reference names. */
class OciRegistryPullTest {
    @Test
    void missingImageIsPulledFromTheLocalRegistryAndAnUnknownOneIsRejected() throws Exception {
        OciHost.assumeHost();
        assumeTrue(Files.isExecutable(Registry.BINARY), "skipped: no " + Registry.BINARY + " (apt-get install docker-registry)");
        Path dir = OciHost.newDir();
        DaemonProcess daemon = null;
        try (Registry registry = Registry.start(dir)) {
            OciLayout image = OciLayout.of(BusyboxImage.build(dir, "busybox:latest"));
            String digest = registry.push(image, "test/busybox", "1");
            String ref = registry.host + "/test/busybox:1";

            daemon = OciHost.swarm(dir);
            DaemonProcess d = daemon;
            assertFalse(daemon.dockerOk("images", "--format", "{{.Repository}}").contains("busybox"), "the store starts without it");
            var created = daemon.docker("service", "create", "--detach", "--name", "pulled", ref, "sleep", "1000");
            assertEquals(0, created.exit(), created.both());
            eventually(CONVERGE, () -> runningTasks(d, "pulled").size() == 1);
            String task = runningTasks(daemon, "pulled").iterator().next();
            assertEquals(List.of("sleep", "1000"), List.of(OciHost.inside(OciHost.pid(daemon, task), "cat", "/proc/1/cmdline").split("\0")));
            String images = daemon.dockerOk("images", "--digests", "--format", "{{.Repository}}:{{.Tag}} {{.Digest}}");
            assertTrue(images.lines().anyMatch(l -> l.equals(registry.host + "/test/busybox:1 " + digest)), images);

            // A reference the registry does not have: the task is rejected, saying so.
            daemon.docker("service", "create", "--detach", "--name", "nope", registry.host + "/test/nothing:1", "sleep", "1000");
            eventually(CONVERGE, () -> {
                String ps = ps(d, "nope");
                return ps.contains("Rejected") && ps.contains("No such image: " + registry.host + "/test/nothing:1");
            });
            // Rejected tasks are retried and the oldest reaped meanwhile: inspect one that is still listed.
            eventually(CONVERGE, () -> {
                try {
                    String newest = d.dockerOk("service", "ps", "-q", "--no-trunc", "nope").lines().findFirst().orElseThrow();
                    return "rejected".equals(taskField(d, newest, "{{.Status.State}}"));
                } catch (Exception | AssertionError e) {
                    return false;
                }
            });
        } finally {
            OciHost.tearDown(daemon, dir);
        }
    }

    private static String ps(DaemonProcess d, String service) {
        try {
            return d.dockerOk("service", "ps", "--no-trunc", service);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
