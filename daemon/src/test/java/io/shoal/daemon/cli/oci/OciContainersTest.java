package io.shoal.daemon.cli.oci;

import static io.shoal.daemon.cli.oci.OciHost.CONVERGE;
import static io.shoal.daemon.cli.oci.OciHost.inside;
import static io.shoal.daemon.cli.oci.OciHost.pid;
import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Ids;
import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.DiskSearch;
import io.shoal.testkit.OciResidue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Real containers through the docker CLI, on one daemon with {@code --executor oci}: the busybox
 * image loaded with {@code docker load}, then isolation, limits, the spec's settings and health
 * checks, each checked from the host (nsenter into the container's pid, cgroup files, a
 * bind-mounted dir the container writes to).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciContainersTest {
    /** The /etc/passwd bin/busybox-image puts in the image (the host's differs). */
    static final String IMAGE_PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";

    Path dir;
    DaemonProcess daemon;

    @BeforeAll
    void startDaemonAndLoadBusybox() throws Exception {
        OciHost.assumeHost();
        dir = OciHost.newDir();
        Path tar = BusyboxImage.build(dir, "busybox:latest");
        daemon = OciHost.swarm(dir);
        String loaded = daemon.dockerOk("load", "-i", tar.toString());
        assertTrue(loaded.contains("Loaded image: busybox:latest"), loaded);
        String images = daemon.dockerOk("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
        assertTrue(images.lines().anyMatch(l -> l.startsWith("busybox:latest ")), images);
        assertEquals("1", daemon.dockerOk("info", "--format", "{{.Images}}").trim(), "docker info counts the images loaded");
    }

    @AfterAll
    void tearDown() {
        OciHost.tearDown(daemon, dir);
    }

    /** A busybox service really runs isolated. */
    @Test
    void serviceRunsIsolatedContainersFromTheLoadedImage() throws Exception {
        var created = daemon.docker("service", "create", "--detach", "--name", "iso", "--replicas", "2", "busybox", "sleep", "1000");
        assertEquals(0, created.exit(), created.both());
        assertFalse(created.both().contains("could not be accessed on a registry"), created.both());
        assertTrue(daemon.dockerOk("service", "inspect", "iso", "--format", "{{.Spec.TaskTemplate.ContainerSpec.Image}}")
                .strip().matches("busybox:latest@sha256:[0-9a-f]{64}"), "the image is pinned to its digest");
        eventually(CONVERGE, () -> runningTasks(daemon, "iso").size() == 2);

        String passwd = IMAGE_PASSWD;
        Set<String> pidNamespaces = new TreeSet<>();
        for (String task : runningTasks(daemon, "iso")) {
            long pid = pid(daemon, task);
            assertTrue(pid > 1, "task " + task + " has a container pid");
            // Only its own processes: its init (pid 1, the service's command) and the ps itself.
            List<String> ps = inside(pid, "ps", "-o", "pid,args").lines().skip(1).map(String::strip).toList();
            assertEquals(2, ps.size(), "ps inside " + task + ": " + ps);
            assertTrue(ps.stream().anyMatch(l -> l.matches("1\\s+sleep 1000")), ps.toString());
            assertTrue(ps.stream().anyMatch(l -> l.matches("\\d+\\s+ps -o pid,args")), ps.toString());
            // Its own hostname: the container id's prefix, as Docker names a container's host.
            assertEquals(Ids.containerIdOf(task).substring(0, 12), inside(pid, "hostname").strip());
            // Its root is the image's: busybox's own /etc/passwd, on an overlay whose upper dir is the task's.
            assertEquals(passwd, inside(pid, "cat", "/etc/passwd"));
            assertEquals(List.of("bin", "dev", "etc", "proc", "root", "sys", "tmp", "var"),
                    inside(pid, "ls", "/").lines().map(String::strip).sorted().toList());
            String rootMount = Files.readAllLines(Path.of("/proc", Long.toString(pid), "mountinfo")).stream()
                    .filter(l -> l.split(" ")[4].equals("/")).findFirst().orElseThrow();
            assertTrue(rootMount.contains(" - overlay ") && rootMount.contains("upperdir=" + daemon.dataDir().resolve("oci/containers/" + task + "/upper")),
                    rootMount);
            // Its own pid and network namespaces (loopback and its way out through the node's gateway bridge).
            String pidNs = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "ns/pid")).toString();
            assertNotEquals(Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString(), pidNs);
            pidNamespaces.add(pidNs);
            List<String> links = inside(pid, "cat", "/proc/net/dev").lines().skip(2).map(l -> l.strip().split(":")[0]).toList();
            assertEquals(List.of("lo", "eth0"), links);
        }
        assertEquals(2, pidNamespaces.size(), "each container has its own pid namespace");
        remove("iso");
    }

    /** 32 MiB limit, 64 MiB allocation → FAILED with the OOM message, restarted per policy. */
    @Test
    void memoryLimitKillsAndTheTaskIsRestartedPerPolicy() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "oom", "--limit-memory", "32m",
                "--restart-condition", "on-failure", "--restart-max-attempts", "2", "--restart-delay", "200ms",
                "busybox", "sh", "-c", "head -c 64m /dev/zero | tail");
        eventually(CONVERGE, () -> failedWith("oom", "out of memory").size() == 3);
        // The limit landed in the cgroup (kept until the failed task is removed, so the OOM can be read).
        String first = failedWith("oom", "out of memory").getFirst();
        String limit = OciHost.cgroupFile("memory", first, "memory.limit_in_bytes");
        if (limit == null) limit = OciHost.cgroupFile("memory", first, "memory.max");
        assertEquals(Long.toString(32L << 20), limit);
        String ps = daemon.dockerOk("service", "ps", "--no-trunc", "oom");
        assertTrue(ps.contains("task: non-zero exit (137)"), ps);
        for (String task : failedWith("oom", "out of memory")) {
            assertEquals("137", taskField(task, "{{.Status.ContainerStatus.ExitCode}}"));
        }
        // max-attempts 2: the first try and two restarts, then no more. The restart supervisor tells a
        // failed run to shut down in the same write as it creates the next one, if any: once the third
        // is told so, nothing of the service may be meant to run.
        eventually(CONVERGE, () -> failedWith("oom", "out of memory").stream().allMatch(this::toldToShutDown));
        assertEquals("", daemon.dockerOk("service", "ps", "-q", "--filter", "desired-state=running", "oom").strip());
        assertEquals(3, daemon.dockerOk("service", "ps", "-q", "oom").lines().count(), daemon.dockerOk("service", "ps", "--no-trunc", "oom"));
        remove("oom");
    }

    /** CPU and pids limits land in the container's cgroup. */
    @Test
    void cpuAndPidsLimitsLandInTheCgroup() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "lim", "--limit-cpu", "0.5", "--limit-pids", "50",
                "--limit-memory", "64m", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> runningTasks(daemon, "lim").size() == 1);
        String task = runningTasks(daemon, "lim").iterator().next();
        String quota = OciHost.cgroupFile("cpu", task, "cpu.cfs_quota_us");
        if (quota != null) {
            long period = Long.parseLong(OciHost.cgroupFile("cpu", task, "cpu.cfs_period_us"));
            assertEquals(period / 2, Long.parseLong(quota), "0.5 CPU is half the period");
        } else {
            String max = OciHost.cgroupFile("cpu", task, "cpu.max");
            String[] w = max.split(" ");
            assertEquals(Long.parseLong(w[1]) / 2, Long.parseLong(w[0]), max);
        }
        assertEquals("50", OciHost.cgroupFile("pids", task, "pids.max"));
        String mem = OciHost.cgroupFile("memory", task, "memory.limit_in_bytes");
        assertEquals(Long.toString(64L << 20), mem != null ? mem : OciHost.cgroupFile("memory", task, "memory.max"));
        // The container's own processes are the cgroup's: its init is in it.
        String procs = OciHost.cgroupFile("pids", task, "cgroup.procs");
        assertTrue(procs.lines().toList().contains(Long.toString(pid(daemon, task))), procs);
        remove("lim");
    }

    /** Env, args, user, working dir, read-only root and bind/volume/tmpfs mounts apply. */
    @Test
    void theSpecApplies() throws Exception {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxrwxrwx"));
        // A first container (root) seeds the named volume; the second (nobody) reads it back.
        daemon.dockerOk("service", "create", "--detach", "--name", "seed", "--restart-condition", "none",
                "--mount", "type=volume,source=e2evol,target=/vol", "busybox", "sh", "-c", "echo seeded > /vol/seed");
        eventually(CONVERGE, () -> completed("seed"));
        assertEquals("seeded\n", Files.readString(daemon.dataDir().resolve("oci/volumes/e2evol/seed")));

        String script = String.join("; ",
                "env > /out/env",
                "id -u > /out/uid; id -g > /out/gid",
                "pwd > /out/pwd",
                "echo \"$0|$1\" > /out/args",
                "(touch /rootfile 2>/dev/null && echo writable || echo read-only) > /out/root",
                "cat /vol/seed > /out/vol",
                "(echo x > /scratch/f && echo ok) > /out/tmpfs 2>&1",
                "grep ' /scratch ' /proc/self/mountinfo > /out/tmpfs-mount",
                "echo done > /out/done",
                "sleep 1000");
        daemon.dockerOk("service", "create", "--detach", "--name", "spec", "--env", "FOO=bar baz", "--env", "HOME=/tmp",
                "--user", "65534", "--workdir", "/var/www", "--read-only",
                "--mount", "type=bind,source=" + out + ",target=/out",
                "--mount", "type=volume,source=e2evol,target=/vol",
                "--mount", "type=tmpfs,target=/scratch,tmpfs-size=1m",
                "busybox", "sh", "-c", script, "first", "second");
        eventually(CONVERGE, () -> Files.exists(out.resolve("done")));
        List<String> env = Files.readAllLines(out.resolve("env"));
        assertTrue(env.contains("FOO=bar baz"), env.toString());
        assertTrue(env.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), "the image's env: " + env);
        assertTrue(env.stream().anyMatch(e -> e.matches("HOSTNAME=[a-z0-9]{12}")), env.toString());
        assertEquals("65534", read(out, "uid"));
        assertEquals("65534", read(out, "gid"), "the user's group from the image's /etc/passwd");
        assertEquals("/var/www", read(out, "pwd"));
        assertEquals("first|second", read(out, "args"));
        assertEquals("read-only", read(out, "root"));
        assertEquals("seeded", read(out, "vol"));
        assertEquals("ok", read(out, "tmpfs"));
        assertTrue(read(out, "tmpfs-mount").contains(" - tmpfs ") && read(out, "tmpfs-mount").contains("size=1024k"), read(out, "tmpfs-mount"));
        // The bind mount is the host dir itself: the files the container wrote are owned by its user.
        assertEquals(65534, (int) Files.getAttribute(out.resolve("done"), "unix:uid"));
        remove("spec", "seed");
        // The named volume outlives its containers.
        assertTrue(Files.exists(daemon.dataDir().resolve("oci/volumes/e2evol/seed")));
    }

    /** An unhealthy container is failed and replaced. */
    @Test
    void unhealthyContainerIsFailedAndReplaced() throws Exception {
        daemon.dockerOk("service", "create", "--detach", "--name", "sick", "--health-cmd", "false",
                "--health-interval", "1s", "--health-retries", "2", "--stop-grace-period", "1s", "busybox", "sleep", "1000");
        assertTrue(daemon.dockerOk("service", "inspect", "sick", "--format", "{{json .Spec.TaskTemplate.ContainerSpec.Healthcheck}}")
                .contains("\"false\""), "the health check is in the spec");
        eventually(CONVERGE, () -> !failedWith("sick", "unhealthy").isEmpty() && runningTasks(daemon, "sick").size() == 1);
        String failed = failedWith("sick", "unhealthy").getFirst();
        assertEquals("task: container is unhealthy", taskField(failed, "{{.Status.Err}}"));
        String replacement = runningTasks(daemon, "sick").iterator().next();
        assertNotEquals(failed, replacement);
        assertEquals(taskField(failed, "{{.Slot}}"), taskField(replacement, "{{.Slot}}"), "replaced in its slot");
        remove("sick");
    }

    /** Docker load of an OCI image-layout tarball (gzipped layer), and a service runs from it. */
    @Test
    void loadsAnOciLayoutTarball() throws Exception {
        Path layout = OciLayout.fromDockerSave(BusyboxImage.build(dir, "busybox:layout"), dir.resolve("oci-layout.tar"),
                "docker.io/library/ocibox:1");
        String loaded = daemon.dockerOk("load", "-i", layout.toString());
        assertTrue(loaded.contains("Loaded image: ocibox:1"), loaded);
        assertTrue(daemon.dockerOk("images", "--format", "{{.Repository}}:{{.Tag}}").lines().toList().contains("ocibox:1"));
        String inspect = daemon.dockerOk("image", "inspect", "ocibox:1", "--format", "{{json .RepoDigests}} {{json .Config.Env}}");
        assertTrue(inspect.contains("ocibox@sha256:"), inspect);
        var created = daemon.docker("service", "create", "--detach", "--name", "fromoci", "ocibox:1", "sleep", "1000");
        assertEquals(0, created.exit(), created.both());
        assertFalse(created.both().contains("could not be accessed on a registry"), created.both());
        eventually(CONVERGE, () -> runningTasks(daemon, "fromoci").size() == 1);
        long pid = pid(daemon, runningTasks(daemon, "fromoci").iterator().next());
        assertTrue(inside(pid, "cat", "/var/www/index.html").contains("hello from shoal"));
        remove("fromoci");
    }

    /**
     * A task's environment reaches the container but never the node's data dir (issue 14): the
     * runtime's bundle lives on the executor's tmpfs, task files are sealed, the Raft log encrypted.
     */
    @Test
    void theEnvironmentNeverReachesTheDataDir() throws Exception {
        String secret = "shoalenv" + Long.toHexString(System.nanoTime()) + "x" + Integer.toHexString(System.identityHashCode(this));
        daemon.dockerOk("service", "create", "--detach", "--name", "envy", "--env", "TOKEN=" + secret, "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> runningTasks(daemon, "envy").size() == 1);
        long pid = pid(daemon, runningTasks(daemon, "envy").iterator().next());
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/environ")).contains("TOKEN=" + secret), "the container has it");
        assertEquals(List.of(), DiskSearch.filesContaining(daemon.dataDir(), secret), "while it runs");
        remove("envy");
        assertEquals(List.of(), DiskSearch.filesContaining(daemon.dataDir(), secret), "after its removal");
    }

    @Test
    void dockerInfoNamesTheRuntime() throws Exception {
        String expected = OciHost.which("crun") != null ? "crun" : "runc";
        assertEquals(expected, daemon.dockerOk("info", "--format", "{{.DefaultRuntime}}").strip());
        assertTrue(daemon.dockerOk("info", "--format", "{{json .Runtimes}}").contains("\"" + expected + "\""));
    }

    // ---- helpers

    /** Removes services and waits until their containers and cgroups are gone from the host. */
    private void remove(String... services) throws Exception {
        Set<String> tasks = new TreeSet<>();
        for (String s : services) tasks.addAll(daemon.dockerOk("service", "ps", "-q", "--no-trunc", s).lines().toList());
        List<String> argv = new ArrayList<>(List.of("service", "rm"));
        argv.addAll(List.of(services));
        daemon.dockerOk(argv.toArray(String[]::new));
        OciHost.awaitGone(daemon, tasks);
        assertTrue(OciResidue.mountsUnder(daemon.dataDir().resolve("oci/containers")).stream().noneMatch(m -> tasks.stream().anyMatch(m::contains)));
    }

    private List<String> failedWith(String service, String errorPart) {
        try {
            List<String> out = new ArrayList<>();
            for (String id : daemon.dockerOk("service", "ps", "-q", "--no-trunc", service).lines().toList()) {
                String[] st = taskField(id, "{{.Status.State}}|{{.Status.Err}}").split("\\|", 2);
                if (st[0].equals("failed") && st[1].contains(errorPart)) out.add(id);
            }
            return out;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private boolean toldToShutDown(String task) {
        try {
            return taskField(task, "{{.DesiredState}}").equals("shutdown");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private boolean completed(String service) {
        try {
            for (String id : daemon.dockerOk("service", "ps", "-q", "--no-trunc", service).lines().toList()) {
                if (taskField(id, "{{.Status.State}}").equals("complete")) return true;
            }
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String taskField(String task, String format) throws Exception {
        return OciHost.taskField(daemon, task, format);
    }

    private static String read(Path dir, String name) throws Exception {
        return Files.readString(dir.resolve(name)).strip();
    }
}
