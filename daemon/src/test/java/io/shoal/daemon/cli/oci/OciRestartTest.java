package io.shoal.daemon.cli.oci;

import static io.shoal.daemon.cli.oci.OciHost.CONVERGE;
import static io.shoal.daemon.cli.oci.OciHost.pid;
import static io.shoal.daemon.cli.oci.OciHost.taskField;
import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.OciResidue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** A kill -9 of the daemon neither kills nor duplicates its containers; exits while it was down are reported. */
class OciRestartTest {
    @Test
    void killedDaemonReadoptsItsContainersAndLearnsExitsThatHappenedWhileItWasDown() throws Exception {
        OciHost.assumeHost();
        Path dir = OciHost.newDir();
        DaemonProcess daemon = null;
        try {
            Path tar = BusyboxImage.build(dir, "busybox:latest");
            daemon = OciHost.swarm(dir);
            daemon.dockerOk("load", "-i", tar.toString());
            Path flag = Files.createDirectories(dir.resolve("flag"));
            daemon.dockerOk("service", "create", "--detach", "--name", "keep", "--replicas", "3", "busybox", "sleep", "1000");
            // Exits 7 once the test drops a file into the bind-mounted dir (while the daemon is down).
            daemon.dockerOk("service", "create", "--detach", "--name", "quit", "--restart-condition", "none",
                    "--mount", "type=bind,source=" + flag + ",target=/flag", "busybox",
                    "sh", "-c", "while [ ! -e /flag/go ]; do sleep 0.1; done; exit 7");
            DaemonProcess d = daemon;
            eventually(CONVERGE, () -> runningTasks(d, "keep").size() == 3 && runningTasks(d, "quit").size() == 1);
            Map<String, Long> before = pids(daemon, runningTasks(daemon, "keep"));
            String quitTask = runningTasks(daemon, "quit").iterator().next();
            long quitPid = pid(daemon, quitTask);
            Set<String> containersBefore = OciResidue.containers(daemon.dataDir());
            assertEquals(4, containersBefore.size(), containersBefore.toString());

            daemon.kill9();
            // While the daemon is down: the containers run on, and one of them exits with 7.
            for (long pid : before.values()) assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "container " + pid + " outlives the daemon");
            Files.writeString(flag.resolve("go"), "");
            eventually(CONVERGE, () -> ProcessHandle.of(quitPid).map(h -> !h.isAlive()).orElse(true));
            daemon.start();

            // The same three containers, the same processes: adopted, neither restarted nor duplicated.
            eventually(CONVERGE, () -> runningTasks(d, "keep").equals(before.keySet()));
            assertEquals(before, pids(daemon, before.keySet()));
            for (long pid : before.values()) assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
            assertEquals(3, daemon.dockerOk("service", "ps", "-q", "keep").lines().count());
            assertEquals(containersBefore, OciResidue.containers(daemon.dataDir()), "no new container");
            // The one that exited while the daemon was down: its real exit code.
            eventually(CONVERGE, () -> field(d, quitTask, "{{.Status.State}}").equals("failed"));
            assertEquals("7", taskField(daemon, quitTask, "{{.Status.ContainerStatus.ExitCode}}"));
            assertTrue(daemon.dockerOk("service", "ps", "--no-trunc", "quit").contains("task: non-zero exit (7)"));

            // Still managed: scaling down stops one of the adopted containers and removes it from the host.
            daemon.dockerOk("service", "scale", "--detach", "keep=2");
            eventually(CONVERGE, () -> runningTasks(d, "keep").size() == 2);
            Set<String> stopped = new TreeSet<>(before.keySet());
            stopped.removeAll(runningTasks(daemon, "keep"));
            long stoppedPid = before.get(stopped.iterator().next());
            eventually(CONVERGE, () -> ProcessHandle.of(stoppedPid).map(h -> !h.isAlive()).orElse(true));
        } finally {
            OciHost.tearDown(daemon, dir);
        }
    }

    private static Map<String, Long> pids(DaemonProcess d, Set<String> tasks) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (String t : tasks) out.put(t, pid(d, t));
        return out;
    }

    private static String field(DaemonProcess d, String task, String format) {
        try {
            return taskField(d, task, format);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
