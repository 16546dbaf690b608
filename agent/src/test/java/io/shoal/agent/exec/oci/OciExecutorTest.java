package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.TaskNetworking;
import static io.shoal.agent.TestSupport.until;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.agent.exec.ExecException;
import io.shoal.agent.exec.Exit;
import io.shoal.agent.image.ImageConfig;
import io.shoal.agent.image.ImageSource;
import io.shoal.api.Ids;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.testkit.DiskSearch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real containers from a busybox image built here, with the executor's runtime (crun where it
 * works) or the one {@code -Dshoal.oci.runtime} names; {@link OciExecutorRuncTest} runs them all
 * with runc. Needs root, crun or runc and busybox-static, else skips saying why.
 */
class OciExecutorTest {
    private static final Path TMP = Path.of(System.getProperty("java.io.tmpdir"));
    static final ImageConfig IMAGE = new ImageConfig(null, List.of("sh"), List.of("PATH=/bin", "FROM_IMAGE=1", "OVERRIDE=image"),
            "", "", null, null);
    private static Path base;
    private static Path layer;

    private ImageSource images;
    private OciExecutor executor;
    private final List<OciController> controllers = new ArrayList<>();

    @BeforeAll
    static void buildImage() throws IOException {
        String skip = OciTestSupport.skipReason();
        if (skip != null) System.out.println("OciExecutorTest skipped: " + skip);
        Assumptions.assumeTrue(skip == null, skip);
        OciTestSupport.sweep(TMP, OciTestSupport.PREFIX, Duration.ofMinutes(30));
        base = Files.createDirectories(TMP.resolve(OciTestSupport.RUN_ID));
        layer = OciTestSupport.busyboxLayer(Files.createDirectories(base.resolve("layer")));
    }

    @AfterAll
    static void sweepThisRun() {
        if (base != null) OciTestSupport.sweep(TMP, OciTestSupport.RUN_ID, Duration.ZERO);
    }

    @BeforeEach
    void setUp() {
        images = OciTestSupport.images(layer, IMAGE);
        executor = newExecutor();
    }

    /** The runtime asked for; null: the executor's choice (crun where it works). */
    String runtime() {
        return OciTestSupport.RUNTIME;
    }

    private OciExecutor newExecutor() {
        return new OciExecutor(base.resolve("state"), images, "host-1", "0.1.0", Map.of(), TaskNetworking.NONE, runtime());
    }

    @AfterEach
    void removeEverything() throws Exception {
        List<Throwable> errors = new ArrayList<>();
        for (OciController c : controllers) {
            try {
                c.remove();
                assertTrue(Cgroups.dirs("/shoal/" + c.bundle().getFileName()).isEmpty(), "cgroups removed");
                assertTrue(!Files.exists(c.bundle()), "bundle removed");
                assertTrue(!Files.exists(c.runtimeBundle()), "bundle on the tmpfs removed");
            } catch (Throwable e) {
                errors.add(e);
            }
        }
        if (!errors.isEmpty()) throw new AssertionError("cleanup failed: " + errors, errors.getFirst());
    }

    private OciController controller(Task t) {
        OciController c = executor.controller(t);
        controllers.add(c);
        return c;
    }

    private OciController started(Task t) throws ExecException {
        OciController c = controller(t);
        c.prepare();
        c.start();
        return c;
    }

    private static String stdout(OciController c) {
        try {
            return Files.readString(c.bundle().resolve("stdout.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void runsIsolatedWithItsOwnHostname() throws Exception {
        Task t = OciTestSupport.sh("ps -o pid,comm; echo host=$(hostname)", Map.of());
        var c = started(t);
        assertTrue(c.pid() > 0);
        assertEquals(new Exit(0, false), c.await());
        List<String> lines = stdout(c).lines().toList();
        assertEquals("host=" + Ids.containerIdOf(t.id()).substring(0, 12), lines.getLast());
        List<String> procs = lines.subList(1, lines.size() - 1);
        assertEquals(2, procs.size(), "only sh and ps: " + procs);
        assertTrue(procs.getFirst().strip().startsWith("1 "), "pid 1 is the container's own: " + procs);
    }

    @Test
    void reportsTheExitCode() throws Exception {
        assertEquals(new Exit(3, false), started(OciTestSupport.sh("exit 3", Map.of())).await());
    }

    @Test
    void aReaperKilledByHandEndsItsTasksAndTakesTheirContainersAlong() throws Exception {
        var c = started(OciTestSupport.sh("sleep 1000", Map.of()));
        long container = c.pid();
        long reaper = reaperOf(c);
        assertTrue(Reaper.isReaper(reaper, runDir()), "the reaper file names the reaper");
        ProcessHandle.of(reaper).orElseThrow().destroyForcibly();
        // It can tell no end: the daemon sees it go, and a container left without its reaper must not run on.
        var e = assertThrows(ExecException.class, () -> assertTimeoutPreemptively(Duration.ofSeconds(30), c::await));
        assertTrue(e.getMessage().contains("exit status unknown"), e.getMessage());
        until("the container is gone", () -> !io.shoal.agent.TestSupport.alive(container));
        // The next start has a new reaper.
        var next = started(OciTestSupport.sh("exit 6", Map.of()));
        assertNotEquals(reaper, reaperOf(next));
        assertEquals(new Exit(6, false), next.await());
    }

    private static long reaperOf(OciController c) throws IOException {
        return Long.parseLong(Files.readString(c.runtimeBundle().resolve("reaper")).strip());
    }

    private static Path runDir() {
        return OciExecutor.runDir(base.resolve("state"));
    }

    @Test
    void theEnvironmentNeverReachesTheDataDir() throws Exception {
        String secret = "shoalsecret" + OciTestSupport.randomAlnum(20);
        var c = started(OciTestSupport.task(Map.of("Command", List.of("sleep", "600"), "Env", List.of("TOKEN=" + secret)), null));
        String config = Files.readString(c.runtimeBundle().resolve("config.json"));
        assertTrue(config.contains(secret), "the runtime is given it, on the tmpfs");
        assertEquals("tmpfs", Files.getFileStore(c.runtimeBundle()).type());
        // (run -d may return before the init has exec'd the command)
        until("the container has it", () -> {
            try {
                return Files.readString(Path.of("/proc", Long.toString(c.pid()), "environ")).contains("TOKEN=" + secret);
            } catch (IOException e) {
                return false;
            }
        });
        assertEquals(List.of(), DiskSearch.filesContaining(base.resolve("state"), secret), "nothing under the data dir holds it while it runs");
        c.remove();
        assertEquals(List.of(), DiskSearch.filesContaining(base.resolve("state"), secret), "nor after its removal");
        assertEquals(List.of(), DiskSearch.filesContaining(runDir(), secret), "and its bundle on the tmpfs is gone");
    }

    @Test
    void startsOrderedAtOnceRunDetachedUnderOneReaperWithPidFilesOnATmpfs() throws Exception {
        List<OciController> cs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            OciController c = controller(OciTestSupport.sh("sleep 1000", Map.of()));
            c.prepare();
            cs.add(c);
        }
        // Six orders on the reaper's pipe at once (the executor lets a few run at a time): none lost.
        try (var starts = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
            for (OciController c : cs) fs.add(starts.submit(() -> {
                c.start();
                return null;
            }));
            for (var f : fs) f.get(120, java.util.concurrent.TimeUnit.SECONDS);
        }
        java.util.Set<Long> inits = new java.util.HashSet<>();
        java.util.Set<Long> reapers = new java.util.HashSet<>();
        for (OciController c : cs) {
            assertTrue(io.shoal.agent.TestSupport.alive(c.pid()), "container " + c.bundle().getFileName() + " runs");
            inits.add(c.pid());
            reapers.add(reaperOf(c));
        }
        assertEquals(6, inits.size(), "six containers");
        assertEquals(1, reapers.size(), "one reaper");
        // A runtime's forks end just after its start returns, and the reaper collects them: poll.
        ProcessHandle reaper = ProcessHandle.of(reapers.iterator().next()).orElseThrow();
        java.util.Set<Long> children = new java.util.HashSet<>();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        do {
            children.clear();
            reaper.children().forEach(h -> children.add(h.pid()));
            if (children.equals(inits)) break;
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertEquals(inits, children, "no runtime process stays: the reaper's children are the inits");
        Path pidFile = cs.getFirst().runtimeBundle().resolve("pid");
        assertEquals(Long.toString(cs.getFirst().pid()), Files.readString(pidFile).strip());
        assertEquals("tmpfs", Files.getFileStore(pidFile).type(), "the runtime's O_SYNC write of the pid file must not wait for a disk");
    }

    @Test
    void refusesWhatItCannotRun() throws Exception {
        var present = controller(OciTestSupport.task(Map.of("Command", List.of("true")), null));
        // The image source says which image is missing.
        images = (ref, auth) -> { throw new ImageSource.ImageUnavailableException("No such image: nope:1"); };
        var other = newExecutor().controller(OciTestSupport.task(Map.of("Command", List.of("true")), null));
        assertEquals("No such image: nope:1", assertThrows(ExecException.class, other::prepare).getMessage());
        var badSignal = controller(OciTestSupport.task(Map.of("Command", List.of("true"), "StopSignal", "SIGNOPE"), null));
        assertEquals("invalid stop signal: SIGNOPE", assertThrows(ExecException.class, badSignal::prepare).getMessage());
        var badUser = controller(OciTestSupport.task(Map.of("Command", List.of("true"), "User", "alice"), null));
        assertTrue(assertThrows(ExecException.class, badUser::prepare).getMessage().contains("unable to find user alice"));
        var notFound = controller(OciTestSupport.task(Map.of("Command", List.of("/nope")), null));
        notFound.prepare();
        var e = assertThrows(ExecException.class, notFound::start);
        assertTrue(e.getMessage().startsWith("starting container failed: ") && e.getMessage().contains("/nope"), e.getMessage());
        present.prepare(); // the test's own image is there
    }

    @Test
    void initIsTiniWhenTheHostHasOneElseRefused() throws Exception {
        var c = controller(OciTestSupport.task(Map.of("Command", List.of("ps", "-o", "pid,comm"), "Init", true), null));
        boolean hasInit = executorInit() != null;
        if (!hasInit) {
            assertTrue(assertThrows(ExecException.class, c::prepare).getMessage().startsWith("Init is not supported on this node"));
            return;
        }
        c.prepare();
        c.start();
        assertEquals(new Exit(0, false), c.await());
        assertTrue(stdout(c).lines().anyMatch(l -> l.strip().matches("1 +(docker-init|tini.*)")), stdout(c));
    }

    private static Path executorInit() {
        for (String p : List.of("/usr/bin/docker-init", "/sbin/docker-init", "/usr/libexec/docker/docker-init", "/usr/bin/tini-static")) {
            if (Files.isExecutable(Path.of(p))) return Path.of(p);
        }
        return null;
    }

    @Test
    void anOutOfMemoryKillIsReported() throws Exception {
        Task t = OciTestSupport.task(Map.of("Command", List.of("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")),
                new TaskSpec.Resources(new TaskSpec.Limits(0, 32L << 20, 0), null, null, null));
        Exit exit = started(t).await();
        assertEquals(new Exit(137, true), exit);
        assertTrue(exit.describe().contains("OOM"), exit.describe());
    }

    @Test
    void limitsLandInTheContainersCgroup() throws Exception {
        Task t = OciTestSupport.sh("sleep 60", Map.of());
        t = new Task(t.id(), null, null, null, t.name(), null, new TaskSpec(null, t.spec().containerSpec(), null,
                new TaskSpec.Resources(new TaskSpec.Limits(500_000_000L, 64L << 20, 20), null, null, null), null, null, 0, null, null, null),
                t.serviceId(), 1, t.nodeId(), t.status(), t.desiredState(), null, null);
        var c = started(t);
        String cg = "/shoal/" + t.id();
        assertEquals("50000", Files.readString(Cgroups.find(cg, "cpu.cfs_quota_us").resolve("cpu.cfs_quota_us")).strip());
        assertEquals("100000", Files.readString(Cgroups.find(cg, "cpu.cfs_period_us").resolve("cpu.cfs_period_us")).strip());
        assertEquals("20", Files.readString(Cgroups.find(cg, "pids.max").resolve("pids.max")).strip());
        assertEquals(Long.toString(64L << 20), Files.readString(Cgroups.find(cg, "memory.limit_in_bytes").resolve("memory.limit_in_bytes")).strip());
        assertTrue(Files.readString(Cgroups.find(cg, "cgroup.procs").resolve("cgroup.procs")).contains(Long.toString(c.pid())));
        c.terminate();
        assertEquals(new Exit(137, false), c.await());
    }

    @Test
    void envArgsUserDirAndReadOnlyRootApply() throws Exception {
        Task t = OciTestSupport.task(Map.of(
                "Command", List.of("sh", "-c"),
                "Args", List.of("echo args=$0,$1; echo uid=$(id -u) gid=$(id -g); echo dir=$(pwd); "
                        + "echo env=$FROM_IMAGE,$OVERRIDE,$FROM_SPEC,$HOSTNAME,$HOME; touch /x 2>/dev/null && echo root=rw || echo root=ro", "a1", "a2"),
                "Env", List.of("OVERRIDE=spec", "FROM_SPEC=2"),
                "User", "65534",
                "Dir", "/tmp",
                "ReadOnly", true), null);
        var c = started(t);
        assertEquals(new Exit(0, false), c.await());
        assertEquals(List.of("args=a1,a2", "uid=65534 gid=65534", "dir=/tmp",
                "env=1,spec,2," + Ids.containerIdOf(t.id()).substring(0, 12) + ",/nonexistent", "root=ro"), stdout(c).lines().toList());
    }

    @Test
    void bindVolumeAndTmpfsMountsApply() throws Exception {
        Path host = Files.createDirectories(base.resolve("bind-" + OciTestSupport.randomAlnum(4)));
        Files.writeString(host.resolve("file"), "from the host\n");
        String volume = OciTestSupport.RUN_ID + "-vol";
        Task t = OciTestSupport.task(Map.of(
                "Command", List.of("sh", "-c", "cat /bind/file; echo x > /bind/y 2>/dev/null && echo bind=rw || echo bind=ro; "
                        + "echo kept > /vol/f && echo vol=rw; echo x > /scratch/f && echo tmpfs=rw; grep ' /scratch ' /proc/mounts"),
                "ReadOnly", true,
                "Mounts", List.of(
                        Map.of("Type", "bind", "Source", host.toString(), "Target", "/bind", "ReadOnly", true),
                        Map.of("Type", "volume", "Source", volume, "Target", "/vol"),
                        Map.of("Type", "tmpfs", "Target", "/scratch", "TmpfsOptions", Map.of("SizeBytes", 1 << 20, "Mode", 0700)))), null);
        var c = started(t);
        assertEquals(new Exit(0, false), c.await());
        List<String> out = stdout(c).lines().toList();
        assertEquals(List.of("from the host", "bind=ro", "vol=rw", "tmpfs=rw"), out.subList(0, 4));
        assertTrue(out.get(4).startsWith("tmpfs /scratch tmpfs rw,nosuid,nodev,noexec") && out.get(4).contains("size=1024k")
                && out.get(4).contains("mode=700"), out.get(4));
        assertEquals("kept\n", Files.readString(base.resolve("state/volumes").resolve(volume).resolve("f")), "the volume is on the host");
    }

    @Test
    void shutdownSendsTheStopSignalAndWaitsTheGracePeriod() throws Exception {
        var graceful = started(OciTestSupport.sh("trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done", Map.of("StopGracePeriod", 10_000_000_000L)));
        var stubborn = started(OciTestSupport.sh("trap '' TERM; echo ready; while :; do sleep 0.05; done", Map.of("StopGracePeriod", 1_000_000_000L)));
        var usr1 = started(OciTestSupport.sh("trap 'exit 4' INT; echo ready; while :; do sleep 0.05; done", Map.of("StopSignal", "SIGINT")));
        until("traps set", () -> stdout(graceful).contains("ready") && stdout(stubborn).contains("ready") && stdout(usr1).contains("ready"));

        long t0 = System.nanoTime();
        graceful.shutdown();
        assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "did not wait for the grace period");
        assertEquals(new Exit(0, false), graceful.await());

        t0 = System.nanoTime();
        stubborn.shutdown();
        long took = System.nanoTime() - t0;
        assertTrue(took >= Duration.ofSeconds(1).toNanos() && took < Duration.ofSeconds(6).toNanos(), "killed after the grace: " + took / 1_000_000 + " ms");
        assertEquals(new Exit(137, false), stubborn.await());

        usr1.shutdown();
        assertEquals(new Exit(4, false), usr1.await());
    }

    @Test
    void aNewExecutorReadoptsRunningContainersAndLearnsExitCodesOfEndedOnes() throws Exception {
        Path ctl = Files.createDirectories(base.resolve("ctl-" + OciTestSupport.randomAlnum(4)));
        Map<String, Object> bind = Map.of("Mounts", List.of(Map.of("Type", "bind", "Source", ctl.toString(), "Target", "/ctl")));
        Task running = OciTestSupport.sh("while [ ! -e /ctl/go ]; do sleep 0.05; done; exit 7", bind);
        Task ending = OciTestSupport.sh("while [ ! -e /ctl/end ]; do sleep 0.05; done; exit 4", bind);
        var first = started(running);
        var second = started(ending);
        long pid = first.pid();

        // The daemon dies: its executor and controllers are gone, the containers are not.
        executor = newExecutor();
        Files.writeString(ctl.resolve("end"), "");
        until("the second container ended while no daemon watched", () -> Files.exists(second.runtimeBundle().resolve("exitcode")));

        var adopted = controller(running);
        adopted.prepare();
        adopted.start();
        assertEquals(pid, adopted.pid(), "started once, not again");
        assertEquals("running", executorRuntime().status(running.id()));
        Files.writeString(ctl.resolve("go"), "");
        assertEquals(new Exit(7, false), adopted.await());

        var ended = controller(ending);
        ended.start();
        assertEquals(new Exit(4, false), ended.await());
    }

    @Test
    void containersOutliveADaemonKilledWithSigkillAndTheirEndsAreRecorded() throws Exception {
        Path ctl = Files.createDirectories(base.resolve("ctl-" + OciTestSupport.randomAlnum(4)));
        Task t = OciTestSupport.sh("while [ ! -e /ctl/go ]; do sleep 0.05; done; exit 9",
                Map.of("Mounts", List.of(Map.of("Type", "bind", "Source", ctl.toString(), "Target", "/ctl"))));
        Path taskFile = base.resolve(t.id() + ".json");
        io.shoal.api.Json.MAPPER.writeValue(taskFile.toFile(), t);
        var adopted = controller(t); // registered first, so the container is removed even if the stand-in fails
        Process daemon = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-Xmx64m",
                "-Dshoal.oci.runtime=" + executor.runtime(), "-cp", System.getProperty("java.class.path"), DaemonStandIn.class.getName(),
                base.resolve("state").toString(), layer.toString(), taskFile.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line;
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(daemon.getInputStream()))) {
            line = out.readLine();
        } finally {
            daemon.destroyForcibly(); // SIGKILL
            daemon.waitFor();
        }
        assertTrue(line != null && line.startsWith("started "), "the stand-in daemon said: " + line);
        long pid = Long.parseLong(line.substring("started ".length()));

        assertEquals("running", executorRuntime().status(t.id()), "the container outlived its daemon");
        // It ends while no daemon runs: the dead daemon's reaper still records how.
        Files.writeString(ctl.resolve("go"), "");
        until("the reaper of the killed daemon wrote the exit code", () -> Files.exists(adopted.runtimeBundle().resolve("exitcode")));
        adopted.prepare();
        adopted.start();
        assertEquals(pid, adopted.pid(), "adopted, not started again");
        assertEquals(new Exit(9, false), adopted.await());
    }

    @Test
    void aDaemonRestartedWithTheOtherRuntimeStillStopsAndRemovesTheContainersOfTheFirst() throws Exception {
        String first = executor.runtime();
        String other = first.equals("crun") ? "runc" : "crun";
        Assumptions.assumeTrue(OciRuntime.find(other) != null, other + " is not installed");
        Task t = OciTestSupport.sh("sleep 1000", Map.of());
        long pid = started(t).pid();
        executor = new OciExecutor(base.resolve("state"), images, "host-1", "0.1.0", Map.of(), TaskNetworking.NONE, other);
        var adopted = controller(t);
        adopted.start();
        assertEquals(pid, adopted.pid(), "adopted");
        adopted.terminate();
        assertEquals(new Exit(137, false), adopted.await());
        adopted.remove();
        assertEquals(null, new OciRuntime(first, OciRuntime.find(first), runDir().resolve(first)).status(t.id()),
                "the first runtime's container is deleted");
    }

    private OciRuntime executorRuntime() {
        String name = executor.runtime();
        return new OciRuntime(name, OciRuntime.find(name), runDir().resolve(name));
    }

    @Test
    void aFailingHealthCheckMakesTheContainerUnhealthyAndFailsTheTask() throws Exception {
        var failing = started(OciTestSupport.sh("sleep 60", Map.of("Healthcheck",
                Map.of("Test", List.of("CMD-SHELL", "exit 1"), "Interval", 100_000_000L, "Timeout", 2_000_000_000L, "Retries", 2),
                "StopGracePeriod", 200_000_000L)));
        var passing = started(OciTestSupport.sh("sleep 60", Map.of("Healthcheck",
                Map.of("Test", List.of("CMD", "true"), "Interval", 100_000_000L, "Retries", 2))));
        assertEquals(Health.STARTING, failing.health());
        var e = assertThrows(ExecException.class, failing::await);
        assertEquals("task: container is unhealthy", e.getMessage());
        assertEquals(Health.UNHEALTHY, failing.health());
        until("the passing one is healthy", () -> passing.health() == Health.HEALTHY);
        assertNotEquals(null, executorRuntime().status(passing.bundle().getFileName().toString()));
        var none = controller(OciTestSupport.sh("true", Map.of()));
        none.prepare();
        assertEquals(Health.NONE, none.health());
    }

    @Test
    void startTimeAgainstTheBareRuntimeAndReaperMemory() throws Exception {
        int n = 20;
        List<OciController> ours = new ArrayList<>();
        List<OciController> bare = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var a = controller(OciTestSupport.sh("sleep 600", Map.of()));
            a.prepare();
            ours.add(a);
            var b = controller(OciTestSupport.sh("sleep 600", Map.of()));
            b.prepare();
            bare.add(b);
        }
        // The bare runtime first and ours second, then the other way round, so neither gets only a warm cache.
        OciRuntime runtime = executorRuntime();
        long bareNanos = 0;
        long oursNanos = 0;
        for (int half = 0; half < 2; half++) {
            for (int i = half * n / 2; i < (half + 1) * n / 2; i++) {
                long t0 = System.nanoTime();
                Path b = bare.get(i).runtimeBundle();
                int code = new ProcessBuilder(runtime.argv("run", "-d", "--bundle", b.toString(), b.getFileName().toString()))
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start().waitFor();
                bareNanos += System.nanoTime() - t0;
                assertEquals(0, code, "bare " + runtime.name() + " run -d");
                t0 = System.nanoTime();
                ours.get(i).start();
                oursNanos += System.nanoTime() - t0;
                assertTrue(ours.get(i).pid() > 0);
            }
        }
        long reaper = reaperOf(ours.getFirst());
        System.out.printf("oci start of %d containers with %s: shoal %.1f ms/container (start() until the init pid is known), "
                        + "bare `%s run -d` %.1f ms/container, ratio %.2f%n", n, runtime.name(),
                oursNanos / 1e6 / n, runtime.name(), bareNanos / 1e6 / n, (double) oursNanos / bareNanos);
        System.out.printf("oci reaper memory: %.2f MiB PSS for the node, %.3f MiB per container of these %d%n",
                kb(reaper, "Pss:") / 1024.0, kb(reaper, "Pss:") / 1024.0 / n, n);
        for (var b : bare) {
            runtime.run("kill", b.bundle().getFileName().toString(), "KILL");
        }
        for (var b : bare) {
            String id = b.bundle().getFileName().toString();
            until("bare " + id + " stopped", () -> {
                try {
                    return !"running".equals(runtime.status(id));
                } catch (Exception e) {
                    return true;
                }
            });
        }
    }

    private static long kb(long pid, String field) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/smaps_rollup"))) {
            if (l.startsWith(field)) return Long.parseLong(l.replaceAll("\\D", ""));
        }
        return 0;
    }
}
