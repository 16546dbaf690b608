package io.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.testkit.DaemonProcess;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Convergence and memory against a real one-node swarm: a {@code shoal daemon} JVM with the process
 * executor, driven through its Engine API socket, beside {@link BareProcesses} started in this JVM.
 */
final class SwarmBench {
    private static final String SERVICE = "bench";
    private static final long POLL_MILLIS = 20;
    private static final long TIMEOUT_NANOS = 300_000_000_000L;

    /** A convergence figure: shoal's time and the bare baseline's for the same number of processes. */
    record Row(String what, int replicas, double shoal, double bare, double rm) {}

    private final DaemonProcess daemon;
    private final EngineApi api;
    private final boolean verbose;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> memory = new ArrayList<>();

    SwarmBench(DaemonProcess daemon, boolean verbose) {
        this.daemon = daemon;
        this.api = new EngineApi(daemon.http());
        this.verbose = verbose;
    }

    void run(List<Integer> sizes) throws Exception {
        System.out.printf("%n== Convergence and memory: one-node swarm, process executor, busybox `sleep 100000` (daemon pid %d)%n",
                daemon.pid());
        api.initSwarm();
        Thread.sleep(3000); // let start-up work (JIT, first snapshot) settle before the idle figure
        long idleKib = Procs.rssKib(daemon.pid());
        memory.add("daemon idle in a swarm: %s, %d threads".formatted(mib(idleKib), Procs.threads(daemon.pid())));

        try (BareProcesses bare = new BareProcesses()) {
            bare.start(1);
            Thread.sleep(200);
            long[] one = bare.memoryKib();
            memory.add("baseline: one bare `sleep` RSS %d KiB (PSS %d KiB); its `sh -c` wrapper RSS %d KiB (PSS %d KiB)"
                    .formatted(one[1], one[3], one[0], one[2]));
        }

        for (int n : sizes) {
            double bareSeconds;
            long[] bareRss;
            try (BareProcesses bare = new BareProcesses()) {
                bareSeconds = bare.start(n);
                bareRss = bare.memoryKib();
            }
            double shoal = create(n);
            if (n == sizes.getLast()) memoryWithTasks(n, idleKib, bareRss);
            if (n == sizes.getFirst()) {
                double bareScale;
                try (BareProcesses bare = new BareProcesses()) {
                    bareScale = bare.start(n);
                }
                double scale = scale(2 * n);
                rows.add(new Row("create " + n, n, shoal, bareSeconds, Double.NaN));
                rows.add(new Row("scale %d→%d".formatted(n, 2 * n), 2 * n, scale, bareScale, remove()));
            } else {
                rows.add(new Row("create " + n, n, shoal, bareSeconds, remove()));
            }
        }
        print();
    }

    private void print() {
        System.out.printf("%-16s %9s %14s %14s %7s %14s%n", "", "replicas", "shoal seconds", "bare seconds", "ratio",
                "rm seconds");
        for (Row r : rows) {
            System.out.printf("%-16s %9d %14.2f %14.2f %7.2f %14s%n", r.what(), r.replicas(), r.shoal(), r.bare(),
                    r.shoal() / r.bare(), Double.isNaN(r.rm()) ? "" : "%.2f".formatted(r.rm()));
        }
        System.out.println("(shoal: POST until every task reports running; bare: the same number of `sh -c` + sleep"
                + " started one after another from Java; rm: DELETE until the daemon has no child processes left)");
        System.out.println("Memory (VmRSS):");
        for (String m : memory) System.out.println("  " + m);
    }

    /** Creates the service and returns the seconds until all {@code replicas} tasks run. */
    private double create(int replicas) throws Exception {
        String spec = """
                {"Name":"%s","TaskTemplate":{"ContainerSpec":{"Image":"busybox","Args":["sleep","100000"]}},\
                "Mode":{"Replicated":{"Replicas":%d}}}""".formatted(SERVICE, replicas);
        long t0 = System.nanoTime();
        api.call("POST", "/services/create", spec, 201);
        return awaitRunning(replicas, t0);
    }

    /** Scales the service to {@code replicas} and returns the seconds until all run. */
    private double scale(int replicas) throws Exception {
        JsonNode service = EngineApi.JSON.readTree(api.call("GET", "/services/" + SERVICE, null, 200));
        long version = service.path("Version").path("Index").asLong();
        var spec = (com.fasterxml.jackson.databind.node.ObjectNode) service.path("Spec");
        ((com.fasterxml.jackson.databind.node.ObjectNode) spec.path("Mode").path("Replicated")).put("Replicas", replicas);
        long t0 = System.nanoTime();
        api.call("POST", "/services/" + SERVICE + "/update?version=" + version, EngineApi.JSON.writeValueAsString(spec), 200);
        return awaitRunning(replicas, t0);
    }

    /** Removes the service; returns the seconds until the daemon has no child processes left. */
    private double remove() throws Exception {
        long t0 = System.nanoTime();
        api.call("DELETE", "/services/" + SERVICE, null, 200);
        long next = t0;
        while (true) {
            int left = Procs.descendants(daemon.pid()).size();
            if (left == 0) return (System.nanoTime() - t0) / 1e9;
            if (System.nanoTime() - t0 > TIMEOUT_NANOS) throw new IllegalStateException(left + " processes left after rm");
            if (verbose && System.nanoTime() >= next) {
                System.err.printf("  rm t=%.1fs processes left %d%n", (System.nanoTime() - t0) / 1e9, left);
                next += 1_000_000_000L;
            }
            Thread.sleep(50);
        }
    }

    private double awaitRunning(int replicas, long t0) throws Exception {
        String path = "/tasks?filters=" + URLEncoder.encode("{\"service\":[\"" + SERVICE + "\"]}", StandardCharsets.UTF_8);
        long next = t0;
        double firstRunning = Double.NaN;
        while (true) {
            Map<String, Integer> states = new TreeMap<>();
            int running = 0;
            for (JsonNode t : EngineApi.JSON.readTree(api.call("GET", path, null, 200))) {
                if (!"running".equals(t.path("DesiredState").asText())) continue;
                String state = t.path("Status").path("State").asText();
                states.merge(state, 1, Integer::sum);
                if (state.equals("running")) running++;
            }
            long now = System.nanoTime();
            if (running > 0 && Double.isNaN(firstRunning)) firstRunning = (now - t0) / 1e9;
            if (running >= replicas) {
                if (verbose) System.err.printf("  %d running after %.2fs (first running at %.2fs)%n", replicas, (now - t0) / 1e9, firstRunning);
                return (now - t0) / 1e9;
            }
            if (now - t0 > TIMEOUT_NANOS) throw new IllegalStateException("not converged: " + states);
            if (verbose && now >= next) {
                System.err.printf("  t=%.1fs %s%n", (now - t0) / 1e9, states);
                next += 1_000_000_000L;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    private void memoryWithTasks(int n, long idleKib, long[] bareRss) {
        long daemonKib = Procs.rssKib(daemon.pid());
        long shells = 0;
        long tasks = 0;
        long shellsPss = 0;
        long tasksPss = 0;
        int shellCount = 0;
        int taskCount = 0;
        for (Procs.Proc p : Procs.withMemory(Procs.descendants(daemon.pid()))) {
            if (p.ppid() == daemon.pid()) {
                shells += p.rssKib();
                shellsPss += p.pssKib();
                shellCount++;
            } else {
                tasks += p.rssKib();
                tasksPss += p.pssKib();
                taskCount++;
            }
        }
        memory.add("daemon with %d tasks running: %s, %d threads; per task %.1f KiB in the daemon"
                .formatted(n, mib(daemonKib), Procs.threads(daemon.pid()), (daemonKib - idleKib) / (double) n));
        memory.add("  its %d task wrapper shells: RSS %.0f KiB each (PSS %.0f KiB); its %d task processes: RSS %.0f KiB each (PSS %.0f KiB)"
                .formatted(shellCount, shells / (double) Math.max(1, shellCount), shellsPss / (double) Math.max(1, shellCount),
                        taskCount, tasks / (double) Math.max(1, taskCount), tasksPss / (double) Math.max(1, taskCount)));
        memory.add("  per task in all, PSS (daemon growth + wrapper + process): %.0f KiB"
                .formatted((daemonKib - idleKib + shellsPss + tasksPss) / (double) n));
        memory.add("baseline: %d bare wrappers + sleeps started from Java: RSS %.0f + %.0f KiB each (PSS %.0f + %.0f KiB)"
                .formatted(n, bareRss[0] / (double) n, bareRss[1] / (double) n, bareRss[2] / (double) n,
                        bareRss[3] / (double) n));
    }

    static String mib(long kib) {
        return "%.1f MiB".formatted(kib / 1024.0);
    }
}
