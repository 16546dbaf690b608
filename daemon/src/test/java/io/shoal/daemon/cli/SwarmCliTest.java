package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The one-node swarm as a user drives it: the real docker CLI against a real shoal daemon
 * (process executor). Each test cleans up its services.
 */
class SwarmCliTest {
    static final Duration CONVERGE = Duration.ofSeconds(30);
    @RegisterExtension
    static final OneNodeSwarm SWARM = new OneNodeSwarm("shoal-cli");
    static DaemonProcess daemon;
    static String nodeId;

    @BeforeAll
    static void initialized() throws Exception {
        daemon = SWARM.daemon();
        assertTrue(SWARM.initOutput().contains("Swarm initialized"), SWARM.initOutput());
        assertTrue(SWARM.initOutput().contains("docker swarm join --token SWMTKN-1-"), SWARM.initOutput());
        nodeId = daemon.dockerOk("info", "--format", "{{.Swarm.NodeID}}").trim();
    }

    @Test
    void infoAndNodeListShowAnActiveManager() throws Exception {
        String info = daemon.dockerOk("info");
        assertTrue(info.contains("Swarm: active"), info);
        assertTrue(info.contains("Is Manager: true"), info);
        String nodes = daemon.dockerOk("node", "ls");
        String self = nodes.lines().filter(l -> l.startsWith(nodeId)).findFirst().orElseThrow();
        assertTrue(self.matches(".*\\*\\s+shoal-test\\s+Ready\\s+Active\\s+Leader.*"), nodes);
    }

    @Test
    void replicatedServiceConvergesScalesAndIsRemoved() throws Exception {
        // The default, attached progress display: the CLI returns once the service converged.
        String out = daemon.dockerOk("service", "create", "--name", "web", "--replicas", "3", "busybox", "sleep", "1000");
        assertTrue(out.contains("converged"), out);
        assertEquals("3/3", replicas("web"));
        assertEquals(3, runningTasks(daemon, "web").size());
        String ps = daemon.dockerOk("service", "ps", "web");
        assertEquals(3, ps.lines().filter(l -> l.contains("Running") && l.contains("web.")).count(), ps);

        daemon.dockerOk("service", "scale", "web=5");
        assertEquals("5/5", replicas("web"));
        daemon.dockerOk("service", "scale", "--detach", "web=1");
        eventually(CONVERGE, () -> runningTasks(daemon, "web").size() == 1 && "1/1".equals(replicas("web")));

        List<Long> pids = processPids("web");
        assertEquals(1, pids.size());
        daemon.dockerOk("service", "rm", "web");
        eventually(CONVERGE, () -> tasks().isEmpty());
        eventually(CONVERGE, () -> pids.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)));
    }

    @Test
    void detachedCreateConverges() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "quick", "--replicas", "2", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> "2/2".equals(replicas("quick")));
        // Without --replicas the CLI sends a replicated mode with no count: one replica, as dockerd does.
        daemon.dockerOk("service", "create", "--detach", "--name", "single", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> "1/1".equals(replicas("single")));
    }

    @Test
    void updateReplacesEveryTask() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "upd", "--replicas", "3", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> "3/3".equals(replicas("upd")));
        Set<String> before = runningTasks(daemon, "upd");
        daemon.dockerOk("service", "update", "--update-parallelism", "0", "--env-add", "A=1", "upd");
        eventually(CONVERGE, () -> "3/3".equals(replicas("upd")));
        Set<String> after = runningTasks(daemon, "upd");
        assertEquals(3, after.size());
        assertTrue(after.stream().noneMatch(before::contains), "every task replaced: " + before + " -> " + after);
        String ps = daemon.dockerOk("service", "ps", "upd");
        assertEquals(3, ps.lines().filter(l -> l.contains("\\_ upd.") && l.contains("Shutdown")).count(), ps);
        String env = daemon.dockerOk("service", "inspect", "upd", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Env}}");
        assertEquals("[A=1]", env.trim());
    }

    @Test
    void globalServiceRunsOneTaskOnTheNode() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "glob", "--mode", "global", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> "1/1".equals(replicas("glob")));
        String ps = daemon.dockerOk("service", "ps", "--format", "{{.Name}} {{.Node}}", "glob");
        assertEquals("glob." + nodeId + " shoal-test", ps.trim());
    }

    @Test
    void unsatisfiableServicesStayPendingWithTheReason() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "wk", "--constraint", "node.role==worker", "busybox", "sleep", "1000");
        daemon.dockerOk("service", "create", "--detach", "--name", "big", "--reserve-memory", "1000G", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> psNoTrunc("wk").contains("no suitable node (scheduling constraints not satisfied on 1 node)"));
        eventually(CONVERGE, () -> psNoTrunc("big").contains("no suitable node (insufficient resources on 1 node)"));
        assertTrue(psNoTrunc("wk").contains("Pending"));
        assertEquals("0/1", replicas("big"));
    }

    @Test
    void failingTasksAreRestartedPerPolicy() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "flaky", "--restart-delay", "100ms",
                "--restart-max-attempts", "2", "busybox", "sh", "-c", "exit 1");
        // The first run and two restarts fail, then the policy gives up.
        eventually(CONVERGE, () -> psNoTrunc("flaky").lines().filter(l -> l.contains("task: non-zero exit (1)")).count() == 3);
        String ps = psNoTrunc("flaky");
        assertTrue(ps.lines().filter(l -> l.contains("Failed")).count() == 3, ps);
        assertEquals("0/1", replicas("flaky"));
        // The restart supervisor tells a failed run to shut down in the same write as it creates the
        // next one, if any: once all three are told so, a fourth run would be there already.
        eventually(CONVERGE, () -> taskStates("flaky").stream().filter(s -> s.startsWith("failed "))
                .allMatch(s -> s.equals("failed shutdown")));
        assertEquals(List.of("failed shutdown", "failed shutdown", "failed shutdown"), taskStates("flaky"), psNoTrunc("flaky"));
    }

    @Test
    void drainShutsTasksDownAndActiveBringsThemBack() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "dr", "--replicas", "2", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> "2/2".equals(replicas("dr")));
        daemon.dockerOk("node", "update", "--availability", "drain", nodeId);
        eventually(CONVERGE, () -> runningTasks(daemon, "dr").isEmpty());
        eventually(CONVERGE, () -> psNoTrunc("dr").contains("1 node not available for new tasks"));
        daemon.dockerOk("node", "update", "--availability", "active", nodeId);
        eventually(CONVERGE, () -> "2/2".equals(replicas("dr")));
        assertTrue(daemon.dockerOk("node", "ls").contains("Active"));
    }

    @Test
    void staleVersionIsRefused() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "ver", "busybox", "sleep", "1000");
        String spec = daemon.dockerOk("service", "inspect", "ver", "--format", "{{json .Spec}}");
        long version = Long.parseLong(daemon.dockerOk("service", "inspect", "ver", "--format", "{{.Version.Index}}").trim());
        daemon.dockerOk("service", "update", "--detach", "--env-add", "X=1", "ver");
        var r = daemon.http().post("/v1.45/services/ver/update?version=" + version, spec);
        assertEquals(409, r.status(), r.body());
        assertTrue(r.body().contains("update out of sequence"), r.body());
        assertEquals("[X=1]", daemon.dockerOk("service", "inspect", "ver", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Env}}").trim());
    }

    @Test
    void rollbackRestoresThePreviousSpec() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "rb", "--env", "V=1",
                "--update-monitor", "100ms", "--rollback-monitor", "100ms", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> "1/1".equals(replicas("rb")));
        daemon.dockerOk("service", "update", "--detach", "--env-add", "V=2", "rb");
        eventually(CONVERGE, () -> "completed".equals(inspect("rb", "{{.UpdateStatus.State}}")));
        daemon.dockerOk("service", "rollback", "--detach", "rb");
        assertEquals("[V=1]", inspect("rb", "{{.Spec.TaskTemplate.ContainerSpec.Env}}"));
        eventually(CONVERGE, () -> "rollback_completed".equals(inspect("rb", "{{.UpdateStatus.State}}")));
        String runningId = runningTasks(daemon, "rb").iterator().next();
        assertEquals("[V=1]", daemon.dockerOk("inspect", "--type", "task", runningId, "--format",
                "{{.Spec.ContainerSpec.Env}}").trim());
    }

    @Test
    void nodeLabelsAndEngineLabelsDrivePlacement() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "lbl", "--constraint", "node.labels.disk==ssd", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> psNoTrunc("lbl").contains("scheduling constraints not satisfied on 1 node"));
        daemon.dockerOk("node", "update", "--label-add", "disk=ssd", nodeId);
        assertEquals("map[disk:ssd]", daemon.dockerOk("node", "inspect", nodeId, "--format", "{{.Spec.Labels}}").trim());
        eventually(CONVERGE, () -> "1/1".equals(replicas("lbl")));
        daemon.dockerOk("node", "update", "--label-rm", "disk", nodeId);
        assertEquals("map[]", daemon.dockerOk("node", "inspect", nodeId, "--format", "{{.Spec.Labels}}").trim());
    }

    @Test
    void theOnlyManagerCannotBeRemovedOrDemoted() throws Exception {
        var rm = daemon.docker("node", "rm", nodeId);
        assertNotEquals(0, rm.exit());
        assertTrue(rm.err().contains("must be demoted to worker before removal"), rm.err());
        var demote = daemon.docker("node", "demote", nodeId);
        assertNotEquals(0, demote.exit());
        assertTrue(demote.err().contains("last manager"), demote.err());
    }

    @Test
    void taskHistoryLimitTrimsOldTasks() throws Exception {
        daemon.dockerOk("swarm", "update", "--task-history-limit", "2");
        try {
            assertTrue(daemon.dockerOk("info").contains("Task History Retention Limit: 2"));
            daemon.dockerOk("service", "create", "--detach", "--name", "hist", "--update-monitor", "100ms",
                    "busybox", "sleep", "1000");
            eventually(CONVERGE, () -> "1/1".equals(replicas("hist")));
            for (int i = 0; i < 4; i++) {
                daemon.dockerOk("service", "update", "--detach", "--force", "hist");
                eventually(CONVERGE, () -> "completed".equals(inspect("hist", "{{.UpdateStatus.State}}")));
            }
            eventually(CONVERGE, () -> psNoTrunc("hist").lines().filter(l -> l.contains("hist.1")).count() == 2);
        } finally {
            daemon.dockerOk("swarm", "update", "--task-history-limit", "5");
        }
    }

    @Test
    void certExpiryIsSetThroughTheCliAndShownWithTheSwarm() throws Exception {
        assertTrue(daemon.dockerOk("info").contains("Expiry Duration: 3 months"), "90 days by default");
        daemon.dockerOk("swarm", "update", "--cert-expiry", "2h");
        try {
            assertTrue(daemon.dockerOk("info").contains("Expiry Duration: 2 hours"), daemon.dockerOk("info"));
            assertEquals("2h0m0s", daemon.dockerOk("info", "--format", "{{.Swarm.Cluster.Spec.CAConfig.NodeCertExpiry}}").trim());
            var tooShort = daemon.docker("swarm", "update", "--cert-expiry", "30m");
            assertNotEquals(0, tooShort.exit());
            assertTrue(tooShort.err().contains("minimum certificate expiry time is: 1h0m0s"), tooShort.err());
        } finally {
            daemon.dockerOk("swarm", "update", "--cert-expiry", "2160h");
        }
    }

    @Test
    void dockerPsAndInspectShowTheNodesTaskContainers() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "view", "--replicas", "2", "--restart-condition", "none",
                "busybox", "sleep", "1000");
        daemon.dockerOk("service", "create", "--detach", "--name", "once", "--restart-condition", "none", "busybox", "sh", "-c", "exit 4");
        eventually(CONVERGE, () -> runningTasks(daemon, "view").size() == 2);
        String ps = daemon.dockerOk("ps", "--format", "{{.Names}} {{.State}}");
        for (String id : runningTasks(daemon, "view")) {
            String slot = daemon.dockerOk("inspect", "--type", "task", id, "--format", "{{.Slot}}").trim();
            assertTrue(ps.contains("view." + slot + "." + id + " running"), ps);
            String container = daemon.dockerOk("inspect", "--type", "task", id, "--format", "{{.Status.ContainerStatus.ContainerID}}").trim();
            assertTrue(container.matches("[0-9a-f]{64}"), "a container id of Docker's shape: " + container);
            String c = daemon.dockerOk("inspect", "--type", "container", container, "--format",
                    "{{.Name}} {{.State.Status}} {{.State.Pid}} {{index .Config.Labels \"com.docker.swarm.service.name\"}}").trim();
            String pid = daemon.dockerOk("inspect", "--type", "task", id, "--format", "{{.Status.ContainerStatus.PID}}").trim();
            assertEquals("/view." + slot + "." + id + " running " + pid + " view", c);
            assertTrue(daemon.dockerOk("ps", "-q").lines().anyMatch(container.substring(0, 12)::equals), "docker ps shows the short id");
            // Typed plainly, a task id finds no container and falls through to the task, as with Docker.
            assertEquals(id + " " + slot, daemon.dockerOk("inspect", id, "--format", "{{.ID}} {{.Slot}}").trim());
        }
        eventually(CONVERGE, () -> {
            try {
                return daemon.dockerOk("ps", "-a", "--filter", "name=once", "--format", "{{.Status}}").startsWith("Exited (4)");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertTrue(daemon.dockerOk("ps", "--format", "{{.Names}}").lines().noneMatch(l -> l.startsWith("once.")),
                "docker ps without -a lists running containers only");
        String onceId = daemon.dockerOk("ps", "-a", "-q", "--no-trunc", "--filter", "name=once").trim();
        assertTrue(daemon.docker("logs", onceId).exit() == 0, "docker logs of an exited container works");
        var missing = daemon.docker("inspect", "--type", "container", "nosuchcontainer");
        assertNotEquals(0, missing.exit());
        assertTrue(missing.err().contains("No such container"), missing.err());
    }

    static String inspect(String service, String format) {
        try {
            return daemon.dockerOk("service", "inspect", service, "--format", format).trim();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String replicas(String service) {
        try {
            return daemon.dockerOk("service", "ls", "--filter", "name=" + service, "--format", "{{.Replicas}}").trim();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String psNoTrunc(String service) {
        try {
            return daemon.dockerOk("service", "ps", "--no-trunc", service);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Each of the service's tasks as "state desired-state", sorted. */
    static List<String> taskStates(String service) {
        try {
            List<String> out = new ArrayList<>();
            for (String id : daemon.dockerOk("service", "ps", "-q", "--no-trunc", service).lines().toList()) {
                out.add(daemon.dockerOk("inspect", "--type", "task", id, "--format", "{{.Status.State}} {{.DesiredState}}").trim());
            }
            return out.stream().sorted().toList();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static List<Long> processPids(String service) throws Exception {
        return runningTasks(daemon, service).stream().map(id -> {
            try {
                return Long.parseLong(daemon.dockerOk("inspect", "--type", "task", id, "--format", "{{.Status.ContainerStatus.PID}}").trim());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
    }

    static List<String> tasks() {
        try {
            var r = daemon.http().get("/v1.45/tasks");
            return r.body().equals("[]") ? List.of() : List.of(r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
