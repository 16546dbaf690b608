package io.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.api.Json;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.UnixHttp;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real containers: a {@code shoal daemon --executor oci} beside bare {@code crun run -d} (or runc:
 * the daemon's runtime) of the same bundle, in the same run. See bench/README.md for what each figure measures.
 */
final class OciBench {
    private static final long TIMEOUT_NANOS = 120_000_000_000L;
    /** Until a one-replica service's task has been seen ASSIGNED (or past it). */
    private static final long SINGLE_POLL_MILLIS = 10;

    private final DaemonProcess daemon;
    private final UnixHttp http;
    private final EngineApi api;
    private final Path dir;
    private final Path repo;
    private final boolean verbose;
    private final List<String> bareIds = new ArrayList<>();
    private String runtime = "runc"; // the daemon's, as docker info names it

    OciBench(DaemonProcess daemon, Path dir, Path repo, boolean verbose) {
        this.daemon = daemon;
        this.http = daemon.http();
        this.api = new EngineApi(http);
        this.dir = dir;
        this.repo = repo;
        this.verbose = verbose;
    }

    /** Whether this host can run the section; null when it can, else why not. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) return "not root";
        if (run(List.of("runc", "--version")).exit() != 0 && run(List.of("crun", "--version")).exit() != 0) return "no crun or runc";
        if (!Files.isExecutable(Path.of("/usr/bin/busybox")) && !Files.isExecutable(Path.of("/bin/busybox"))) return "no busybox-static";
        return null;
    }

    void run(int n) throws Exception {
        runtime = daemon.dockerOk("info", "--format", "{{.DefaultRuntime}}").strip();
        System.out.printf("%n== Real containers: one-node swarm, oci executor (%s), busybox `sleep 100000`, %d tasks (daemon pid %d)%n",
                runtime, n, daemon.pid());
        Path tar = dir.resolve("busybox.tar");
        Cmd b = run(List.of(repo.resolve("bin/busybox-image").toString(), tar.toString(), "busybox:latest"));
        if (b.exit() != 0) throw new IllegalStateException("bin/busybox-image: " + b.out());
        daemon.dockerOk("load", "-i", tar.toString());
        api.initSwarm();
        Thread.sleep(2000);
        long idleKib = Procs.rssKib(daemon.pid());
        // A daemon runs for days: go through both measured paths first (n one-replica services one
        // after another, then n replicas at once), so that its JIT has compiled them instead of
        // competing with runc for the two cores while they are measured. After n containers of one
        // path alone, the compilers still took ~50 ms of CPU per container started on the other.
        for (int i = 0; i < n; i++) {
            api.call("POST", "/services/create", spec("warm-up" + i, 1), 201);
            TaskWatch.await(http, "warm-up" + i, 1, SINGLE_POLL_MILLIS, verbose);
        }
        for (int i = 0; i < n; i++) api.call("DELETE", "/services/warm-up" + i, null, 200);
        awaitNoContainers();
        api.call("POST", "/services/create", spec("warm-up", n), 201);
        TaskWatch.await(http, "warm-up", n, TaskWatch.PROGRESS_POLL_MILLIS, verbose);
        api.call("DELETE", "/services/warm-up", null, 200);
        awaitNoContainers();

        // 1. One task at a time, alternating with bare runc so that both see the same load: n services of one
        // replica, each awaited, and after each the same container from a bundle of Shoal's first task
        // (overlay mount + config.json + `runc run -d`).
        List<double[]> single = new ArrayList<>(); // {created→running, assigned→running or NaN}
        double[] bare = new double[n];
        Path bareRoot = Files.createDirectories(dir.resolve("bare/runc"));
        Bundle template = null;
        long singleCpu = 0;
        for (int i = 0; i < n; i++) {
            long cpu0 = Procs.cpuMillis(daemon.pid());
            String name = "one" + i;
            api.call("POST", "/services/create", spec(name, 1), 201);
            Map<String, TaskWatch.Obs> obs = TaskWatch.await(http, name, 1, SINGLE_POLL_MILLIS, verbose);
            TaskWatch.Obs o = obs.values().iterator().next();
            singleCpu += Procs.cpuMillis(daemon.pid()) - cpu0;
            single.add(new double[] {o.createdToRunning(), o.assignedToRunning()});
            if (template == null) {
                template = Bundle.of(daemon.dataDir().resolve("oci/containers").resolve(o.task),
                        OciExecutor.runDir(daemon.dataDir().resolve("oci")).resolve("containers").resolve(o.task), o.task);
            }
            bare[i] = bareRun(bareBundle(i, template), bareRoot);
        }
        double bareTotal = Arrays.stream(bare).sum();
        for (int i = 0; i < n; i++) api.call("DELETE", "/services/one" + i, null, 200);
        awaitNoContainers();
        removeBare(bareRoot);

        // 2. The baseline of the batch: n bare containers started as many at a time as the agent starts them.
        List<BareContainer> bareBatch = new ArrayList<>();
        for (int i = 0; i < n; i++) bareBatch.add(bareBundle(n + i, template));
        double bareConcurrent = bareBatch(bareBatch, bareRoot, OciExecutor.CONCURRENT_STARTS);
        removeBare(bareRoot);
        // 2b. The other runtime, bare, n one after another: crun beside runc, same bundles.
        String other = runtime.equals("crun") ? "runc" : "crun";
        double otherTotal = Double.NaN;
        if (run(List.of(other, "--version")).exit() == 0) {
            otherTotal = 0;
            for (int i = 0; i < n; i++) otherTotal += bareRun(bareBundle(2 * n + i, template), bareRoot, other);
            removeBare(bareRoot, other);
        }

        // 3. --replicas n at once: convergence, then memory with n containers running.
        // Until the last task's RUNNING status (the agent's clock, this machine's), not until a poll saw it.
        long batchCpu0 = Procs.cpuMillis(daemon.pid());
        Instant posted = Instant.now();
        api.call("POST", "/services/create", spec("batch", n), 201);
        Map<String, TaskWatch.Obs> batch = TaskWatch.await(http, "batch", n, TaskWatch.PROGRESS_POLL_MILLIS, verbose);
        long batchCpu = Procs.cpuMillis(daemon.pid()) - batchCpu0;
        double converge = batch.values().stream().mapToDouble(o -> Duration.between(posted, o.running).toNanos() / 1e9).max().orElseThrow();
        Thread.sleep(1000);
        long daemonKib = Procs.rssKib(daemon.pid());
        long[] monitors = monitorMemory();
        api.call("DELETE", "/services/batch", null, 200);
        awaitNoContainers();

        // Report.
        double[] sc = single.stream().mapToDouble(a -> a[0]).sorted().toArray();
        double[] sa = single.stream().mapToDouble(a -> a[1]).filter(d -> !Double.isNaN(d)).sorted().toArray();
        double[] bs = bare.clone();
        Arrays.sort(bs);
        System.out.printf("%-44s %10s %10s %10s%n", "per task, one at a time (ms)", "median", "p90", "mean");
        System.out.printf("%-44s %10.1f %10.1f %10.1f%n", "bare " + runtime + ": config + `run -d`", ms(median(bs)), ms(p90(bs)), ms(mean(bs)));
        System.out.printf("%-44s %10.1f %10.1f %10.1f   (%d of %d tasks seen in ASSIGNED)%n", "shoal ASSIGNED → RUNNING",
                ms(median(sa)), ms(p90(sa)), ms(mean(sa)), sa.length, n);
        System.out.printf("%-44s %10.1f %10.1f %10.1f%n", "shoal created → RUNNING (all tasks)", ms(median(sc)), ms(p90(sc)), ms(mean(sc)));
        if (sa.length > 0) System.out.printf("overhead ratio ASSIGNED→RUNNING / bare (medians): %.2f× (target ≤ 1.2×)%n", median(sa) / median(bs));
        System.out.printf("overhead ratio created→RUNNING / bare (medians):  %.2f×%n", median(sc) / median(bs));
        double[] ba = batch.values().stream().mapToDouble(TaskWatch.Obs::createdToRunning).sorted().toArray();
        System.out.printf("--replicas %d: all running %.2f s after POST /services/create; bare " + runtime + " of %d one after another %.2f s, %d at a time %.2f s%n",
                n, converge, n, bareTotal, OciExecutor.CONCURRENT_STARTS, bareConcurrent);
        System.out.printf("  per task created → RUNNING in the batch: median %.0f ms, p90 %.0f ms, max %.0f ms%n",
                ms(median(ba)), ms(p90(ba)), ms(ba[ba.length - 1]));
        System.out.printf("daemon CPU per container started: %.0f ms one at a time (service create to RUNNING seen), %.0f ms in the batch%n",
                singleCpu / (double) n, batchCpu / (double) n);
        System.out.printf("memory: daemon idle %.1f MiB, with %d containers %.1f MiB (+%.0f KiB per container in the daemon)%n",
                idleKib / 1024.0, n, daemonKib / 1024.0, (daemonKib - idleKib) / (double) n);
        System.out.printf("  helpers: %d process(es) for the node (the reaper), RSS %.0f KiB, PSS %.0f KiB: %.0f KiB PSS per container (target ≤ 512)%n",
                monitors[0], monitors[1] / 1.0, monitors[2] / 1.0, monitors[2] / (double) n);
        System.out.printf("bare one after another, %d containers: %s %.2f s, %s %.2f s; shoal --replicas %d %.2f s = %.2f× bare %s (target ≤ 1.1×)%n",
                n, runtime, bareTotal, other, otherTotal, n, converge, converge / bareTotal, runtime);
        System.out.printf("single start: shoal ASSIGNED→RUNNING median / bare %s median %.2f× (target ≤ 1.2×)%n", runtime,
                sa.length > 0 ? median(sa) / median(bs) : Double.NaN);
        System.out.printf("daemon: RSS idle %.1f MiB (target ≤ 120), with %d containers %.1f MiB (target ≤ 150 at 100), CPU per start %.0f ms in the batch (target ≤ 15)%n",
                idleKib / 1024.0, n, daemonKib / 1024.0, batchCpu / (double) n);
        System.out.printf("Docker Swarm on this kind of machine (measured earlier, not in this run): 100 replicas 12.6 s; "
                + "~13 MiB per running container (containerd-shim), ~1.29 GiB for 100; dockerd 117–172 MiB + containerd 38–55 MiB%n");
    }

    // ---- shoal

    private String spec(String name, int replicas) throws IOException {
        var s = EngineApi.JSON.createObjectNode().put("Name", name);
        var c = s.putObject("TaskTemplate").putObject("ContainerSpec").put("Image", "busybox:latest").put("StopSignal", "SIGKILL");
        c.putArray("Args").add("sleep").add("100000");
        s.putObject("Mode").putObject("Replicated").put("Replicas", replicas);
        return EngineApi.JSON.writeValueAsString(s);
    }

    private void awaitNoContainers() throws Exception {
        long t0 = System.nanoTime();
        Path bundles = daemon.dataDir().resolve("oci/containers");
        while (true) {
            var left = io.shoal.testkit.OciResidue.containers(daemon.dataDir());
            boolean empty;
            try (Stream<Path> s = Files.list(bundles)) {
                empty = s.findAny().isEmpty();
            }
            if (left.isEmpty() && empty) return;
            if (System.nanoTime() - t0 > TIMEOUT_NANOS) throw new IllegalStateException("containers left: " + left);
            Thread.sleep(50);
        }
    }

    /** Processes (other than the daemon) mentioning its data dir and working in the executor's tmpfs: the node's reaper. */
    private long[] monitorMemory() {
        String data = daemon.dataDir().toString();
        Path runDir = OciExecutor.runDir(daemon.dataDir().resolve("oci"));
        long count = 0;
        long rss = 0;
        long pss = 0;
        for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
            if (h.pid() == daemon.pid()) continue;
            String cmd = h.info().commandLine().orElse("");
            if (!cmd.contains(data)) continue;
            try {
                if (!Files.readSymbolicLink(Path.of("/proc", Long.toString(h.pid()), "cwd")).equals(runDir)) continue;
            } catch (IOException e) {
                continue;
            }
            count++;
            rss += Procs.rssKib(h.pid());
            pss += Procs.pssKib(h.pid());
        }
        return new long[] {count, rss, pss};
    }

    // ---- bare runtime

    /** What the bare runs copy of Shoal's first container: its config.json, /etc files and image layers. */
    private record Bundle(Path dir, String task, String config, Map<String, byte[]> files, String lowerDir) {
        /** {@code dir} on disk (root, /etc files), {@code run} the executor's bundle on its tmpfs (config.json). */
        static Bundle of(Path dir, Path run, String task) throws IOException {
            Map<String, byte[]> files = new HashMap<>();
            for (String f : List.of("hosts", "hostname", "resolv.conf")) {
                if (Files.exists(dir.resolve(f))) files.put(f, Files.readAllBytes(dir.resolve(f)));
            }
            return new Bundle(dir, task, ownNetwork(Files.readString(run.resolve("config.json"))), files,
                    overlayLowerDir(dir.resolve("rootfs")));
        }

        /**
         * The config with a new network namespace of runc's own instead of the task's sandbox (which
         * goes with the task): a bare container gets what runc gives by itself, an empty namespace.
         */
        private static String ownNetwork(String config) throws IOException {
            ObjectNode c = (ObjectNode) Json.MAPPER.readTree(config);
            for (JsonNode ns : c.path("linux").path("namespaces")) {
                if (ns.path("type").asText().equals("network")) ((ObjectNode) ns).remove("path");
            }
            return Json.MAPPER.writeValueAsString(c);
        }
    }

    /** A bare container ready to run: its bundle written and its overlay mounted. */
    private record BareContainer(String id, Path bundle, String config) {}

    private BareContainer bareBundle(int i, Bundle template) throws Exception {
        String id = "shoal-bench-bare-" + ProcessHandle.current().pid() + "-" + i;
        bareIds.add(id);
        Path bundle = Files.createDirectories(dir.resolve("bare").resolve(id));
        for (var f : template.files().entrySet()) Files.write(bundle.resolve(f.getKey()), f.getValue());
        String config = template.config().replace(template.dir().toString(), bundle.toString())
                .replace("/shoal/" + template.task(), "/shoal-bench-bare/" + id);
        // The overlay is mounted before the clock starts: Shoal mounts with mount(2) (~1 ms), and exec'ing
        // mount(8) here would add a process start to the baseline.
        for (String d : List.of("rootfs", "upper", "work")) Files.createDirectories(bundle.resolve(d));
        Cmd m = run(List.of("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + template.lowerDir()
                + ",upperdir=" + bundle.resolve("upper") + ",workdir=" + bundle.resolve("work"), bundle.resolve("rootfs").toString()));
        if (m.exit() != 0) throw new IllegalStateException("mount: " + m.out());
        return new BareContainer(id, bundle, config);
    }

    /** config.json + {@code crun run -d} (or runc): seconds until the runtime returns (the container's init is running). */
    private double bareRun(BareContainer c, Path runcRoot) throws Exception {
        return bareRun(c, runcRoot, runtime);
    }

    private static double bareRun(BareContainer c, Path runcRoot, String runtime) throws Exception {
        long t0 = System.nanoTime();
        Files.writeString(c.bundle().resolve("config.json"), c.config());
        Process p = new ProcessBuilder(runtime, "--root", runcRoot.toString(), "run", "-d", "--bundle", c.bundle().toString(), c.id())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(c.bundle().resolve("stdout.log").toFile()).redirectError(c.bundle().resolve("stderr.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(runtime + " run -d " + c.id() + ": " + Files.readString(c.bundle().resolve("stderr.log")));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds until all of {@code containers} run, started {@code atOnce} at a time, as Shoal's agent starts them. */
    private double bareBatch(List<BareContainer> containers, Path runcRoot, int atOnce) throws Exception {
        long t0 = System.nanoTime();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(atOnce)) {
            List<java.util.concurrent.Future<Double>> runs = new ArrayList<>();
            for (BareContainer c : containers) runs.add(pool.submit(() -> bareRun(c, runcRoot)));
            for (var r : runs) r.get();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Deletes every bare container, unmounts its root and removes its cgroups and bundle. */
    void removeBare(Path runcRoot) throws IOException {
        removeBare(runcRoot, runtime);
    }

    private void removeBare(Path runcRoot, String runtime) throws IOException {
        for (String id : bareIds) {
            run(List.of(runtime, "--root", runcRoot.toString(), "delete", "--force", id));
            Path rootfs = dir.resolve("bare").resolve(id).resolve("rootfs");
            if (run(List.of("mountpoint", "-q", rootfs.toString())).exit() == 0 && run(List.of("umount", rootfs.toString())).exit() != 0) {
                run(List.of("umount", "-l", rootfs.toString()));
            }
            try (Stream<Path> roots = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path r : roots.toList()) {
                    Path cg = r.resolve("shoal-bench-bare").resolve(id);
                    if (Files.isDirectory(cg)) Files.delete(cg);
                }
            } catch (IOException e) {
                System.err.println("removing a bare cgroup of " + id + ": " + e);
            }
        }
        try (Stream<Path> roots = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path r : roots.toList()) {
                Path cg = r.resolve("shoal-bench-bare");
                try (Stream<Path> left = Files.isDirectory(cg) ? Files.list(cg) : Stream.empty()) {
                    if (left.noneMatch(Files::isDirectory)) Files.deleteIfExists(cg);
                } catch (IOException e) {
                    // another run's containers are still in it
                }
            }
        }
        bareIds.clear();
    }

    /** The overlay lowerdir of a mounted container root, from /proc/self/mountinfo's super options. */
    private static String overlayLowerDir(Path rootfs) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] w = line.split(" ");
            if (!w[4].equals(rootfs.toString())) continue;
            for (String opt : line.substring(line.indexOf(" - ") + 3).split(" ")[2].split(",")) {
                if (opt.startsWith("lowerdir=")) return opt.substring("lowerdir=".length());
            }
        }
        throw new IllegalStateException("no overlay mounted at " + rootfs);
    }

    /**
     * Whatever happened: every process mentioning the dir (monitors, runc, containers' shells) killed
     * by pid, every runc container of the daemon and the bare runs deleted, every mount under the dir
     * unmounted, every cgroup named after one of its containers removed.
     */
    static void sweep(Path dir) {
        io.shoal.testkit.OciResidue.sweep(dir.resolve("data")); // the daemon's containers, reaper and tmpfs
        String needle = dir.toAbsolutePath().toString();
        for (ProcessHandle h : ProcessHandle.allProcesses().toList()) {
            if (h.pid() != ProcessHandle.current().pid() && h.info().commandLine().map(c -> c.contains(needle)).orElse(false)) h.destroyForcibly();
        }
        List<String[]> containers = new ArrayList<>(); // {runc root, id, cgroup parent}
        Path bareRoot = dir.resolve("bare/runc");
        for (String runtime : List.of("crun", "runc")) {
            if (!Files.isDirectory(bareRoot)) continue;
            for (String id : run(List.of(runtime, "--root", bareRoot.toString(), "list", "-q")).out().lines().map(String::strip).filter(x -> !x.isEmpty()).toList()) {
                containers.add(new String[] {bareRoot.toString(), id, "shoal-bench-bare"});
                run(List.of(runtime, "--root", bareRoot.toString(), "delete", "--force", id));
            }
        }
        try {
            List<String> mounts = new ArrayList<>(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4]).filter(m -> m.startsWith(needle + "/")).toList());
            mounts.sort(Comparator.reverseOrder());
            for (String m : mounts) if (run(List.of("umount", m)).exit() != 0) run(List.of("umount", "-l", m));
            try (Stream<Path> roots = Files.list(Path.of("/sys/fs/cgroup"))) {
                for (Path r : roots.toList()) {
                    for (String[] c : containers) {
                        Path cg = r.resolve(c[2]).resolve(c[1]);
                        if (Files.isDirectory(cg)) {
                            try (Stream<Path> t = Files.walk(cg)) {
                                for (Path d : t.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(d);
                            } catch (IOException e) {
                                System.err.println("removing cgroup " + cg + ": " + e);
                            }
                        }
                    }
                    Path bare = r.resolve("shoal-bench-bare");
                    try (Stream<Path> left = Files.isDirectory(bare) ? Files.list(bare) : Stream.empty()) {
                        if (left.noneMatch(Files::isDirectory)) Files.deleteIfExists(bare);
                    } catch (IOException e) {
                        // still used by another run
                    }
                }
            }
        } catch (IOException e) {
            System.err.println("sweeping " + dir + ": " + e);
        }
    }

    // ---- plumbing

    record Cmd(int exit, String out) {}

    static Cmd run(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return new Cmd(p.exitValue(), out);
        } catch (IOException e) {
            return new Cmd(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Cmd(-1, e.toString());
        }
    }

    private static double median(double[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
    }

    private static double p90(double[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * 0.9) - 1)];
    }

    private static double mean(double[] a) {
        return a.length == 0 ? Double.NaN : Arrays.stream(a).average().orElse(Double.NaN);
    }

    private static double ms(double seconds) {
        return seconds * 1000;
    }
}
