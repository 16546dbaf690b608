package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.testkit.DaemonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** kill -9 of the daemon loses nothing it acknowledged; leaving the swarm stops everything. */
class RestartAndLeaveTest {
    static final Duration CONVERGE = Duration.ofSeconds(30);

    @Test
    void killedDaemonResumesItsSwarmAndReadoptsItsTasksThenLeaves() throws Exception {
        assumeTrue(DaemonProcess.dockerCliPresent(), "skipped: no docker CLI at " + DaemonProcess.DOCKER);
        Path dir = Files.createTempDirectory("shoal-restart");
        try (DaemonProcess daemon = new DaemonProcess(dir).start()) {
            daemon.dockerOk("swarm", "init", "--advertise-addr", "127.0.0.1");
            daemon.dockerOk("service", "create", "--detach", "--name", "keep", "--replicas", "3", "busybox", "sleep", "1000");
            daemon.dockerOk("service", "create", "--detach", "--name", "other", "--env", "K=v", "busybox", "sleep", "1000");
            eventually(CONVERGE, () -> runningTasks(daemon, "keep").size() == 3 && runningTasks(daemon, "other").size() == 1);
            Set<String> before = runningTasks(daemon, "keep");
            Set<String> pidsBefore = pids(daemon, before);

            daemon.kill9();
            daemon.start();

            assertEquals("active", daemon.dockerOk("info", "--format", "{{.Swarm.LocalNodeState}}").trim());
            String services = daemon.dockerOk("service", "ls", "--format", "{{.Name}}");
            assertEquals(Set.of("keep", "other"), Set.copyOf(services.lines().toList()));
            assertEquals("[K=v]", daemon.dockerOk("service", "inspect", "other", "--format",
                    "{{.Spec.TaskTemplate.ContainerSpec.Env}}").trim());
            // The same tasks and the same processes: adopted, neither restarted nor duplicated.
            eventually(CONVERGE, () -> runningTasks(daemon, "keep").equals(before));
            assertEquals(pidsBefore, pids(daemon, before));
            assertEquals(3, daemon.dockerOk("service", "ps", "-q", "keep").lines().count());

            // The swarm keeps working after the restart.
            daemon.dockerOk("service", "scale", "--detach", "keep=4");
            eventually(CONVERGE, () -> runningTasks(daemon, "keep").size() == 4);

            List<Long> all = pids(daemon, runningTasks(daemon, "keep")).stream().map(Long::parseLong).toList();
            var refused = daemon.docker("swarm", "leave");
            assertNotEquals(0, refused.exit());
            assertTrue(refused.err().contains("Use `--force`"), refused.err());
            daemon.dockerOk("swarm", "leave", "--force");
            assertEquals("inactive", daemon.dockerOk("info", "--format", "{{.Swarm.LocalNodeState}}").trim());
            assertTrue(all.stream().noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)),
                    "every task process ended when the node left");
            var ls = daemon.docker("service", "ls");
            assertNotEquals(0, ls.exit());

            // And it stays out of the swarm across a restart.
            daemon.kill9();
            daemon.start();
            assertEquals("inactive", daemon.dockerOk("info", "--format", "{{.Swarm.LocalNodeState}}").trim());
        }
    }

    static Set<String> pids(DaemonProcess daemon, Set<String> tasks) throws Exception {
        Set<String> out = new TreeSet<>();
        for (String id : tasks) {
            out.add(daemon.dockerOk("inspect", "--type", "task", id, "--format", "{{.Status.ContainerStatus.PID}}").trim());
        }
        return out;
    }
}
