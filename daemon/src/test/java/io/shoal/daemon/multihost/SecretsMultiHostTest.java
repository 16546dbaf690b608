package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningPerNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.DiskSearch;
import io.shoal.testkit.OciResidue;
import io.shoal.testkit.ProcessMemory;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A secret goes only to the node that runs a task using it: a manager and a worker in network
 * namespaces with runc containers; the worker's daemon process never holds the value (its memory
 * searched) until a task there uses it, and no node's disk ever holds it or a task's environment.
 */
@ExtendWith(Hosts.class)
class SecretsMultiHostTest {
    static final Duration CONVERGE = Duration.ofSeconds(60);
    static final String PREFIX = "shoal-secrets-e2e-";

    @Test
    void onlyTheNodeRunningATaskThatUsesASecretReceivesIt() throws Exception {
        Path dir = Hosts.containersDir(PREFIX);
        String value = "mh-s3cret-" + UUID.randomUUID();
        String encoded = Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
        String env = "mh-env-" + UUID.randomUUID();
        try (TestNetwork net = TestNetwork.create(2)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(1, 1)
                    .withLaunch(h -> h.daemonOptions().withExecutor("oci")));
            swarm.form();
            Path image = BusyboxImage.build(dir, "busybox");
            for (DaemonProcess d : swarm.daemons()) d.dockerOk("load", "-i", image.toString());
            DaemonProcess manager = swarm.daemon(1), worker = swarm.daemon(2);
            String h1 = swarm.node(1).name(), h2 = swarm.node(2).name();

            Path in = Files.writeString(dir.resolve("secret.in"), value);
            manager.dockerOk("secret", "create", "pw", in.toString());
            Files.delete(in);
            manager.dockerOk("service", "create", "--detach", "--name", "app", "--secret", "pw", "--env", "APP_TOKEN=" + env, "--constraint",
                    "node.hostname==" + h1, "--stop-grace-period", "1s", "busybox", "sleep", "100000");
            manager.dockerOk("service", "create", "--detach", "--name", "other", "--constraint",
                    "node.hostname==" + h2, "--stop-grace-period", "1s", "busybox", "sleep", "100000");
            eventually(CONVERGE, () -> runningPerNode(manager, "app").equals(Map.of(h1, 1L))
                    && runningPerNode(manager, "other").equals(Map.of(h2, 1L)));

            // The search finds it where it is (the manager holds it in its store, and its task's file) ...
            assertTrue(ProcessMemory.contains(manager.pid(), value) || ProcessMemory.contains(manager.pid(), encoded),
                    "the manager's memory holds the secret");
            // ... and not on the worker, which runs no task that uses it.
            assertFalse(ProcessMemory.contains(worker.pid(), value), "the worker's daemon got the secret");
            assertFalse(ProcessMemory.contains(worker.pid(), encoded), "the worker's daemon got the secret (base64)");
            assertEquals(0, filesOnTmpfs(worker, value));

            // Moved to the worker, the task gets it there.
            manager.dockerOk("service", "update", "--detach", "--constraint-rm", "node.hostname==" + h1,
                    "--constraint-add", "node.hostname==" + h2, "app");
            eventually(CONVERGE, () -> runningPerNode(manager, "app").equals(Map.of(h2, 1L)));
            eventually(CONVERGE, () -> filesOnTmpfs(worker, value) == 1);
            for (DaemonProcess d : swarm.daemons()) {
                assertEquals(List.of(), DiskSearch.filesContaining(d.dataDir(), value, true), "on " + d.dataDir() + "'s disk");
                assertEquals(List.of(), DiskSearch.filesContaining(d.dataDir(), env, true), "the task's env on " + d.dataDir() + "'s disk");
            }
            manager.dockerOk("service", "rm", "app", "other");
            eventually(CONVERGE, () -> filesOnTmpfs(worker, value) == 0);
        } finally {
            OciResidue.sweep(dir);
        }
    }

    /** How many files of the node's executor tmpfs hold {@code value}; -1 while a task's files come or go under the search. */
    private static int filesOnTmpfs(DaemonProcess d, String value) {
        try {
            return DiskSearch.filesContaining(OciExecutor.runDir(d.dataDir().resolve("oci")), value, false).size();
        } catch (IOException e) {
            return -1;
        }
    }
}
