package io.shoal.daemon.demo;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.OciResidue;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Shoal's main job on one machine: five hosts, each a network namespace with its own address on
 * one bridge (the testkit's {@link TestNetwork}, the same the multi-host tests use), a {@code shoal
 * daemon} on each, made a swarm of three managers and two workers with the docker CLI and real join
 * tokens; a replicated service; then kill -9 of the leader, and the swarm elects another and brings
 * the service back to its replica count on the survivors. Everything it made is removed by
 * {@link #close()}, also after a failure or Ctrl-C.
 */
public final class Demo implements AutoCloseable {
    static final int MANAGERS = 3, WORKERS = 2, REPLICAS = 6;
    static final String SERVICE = "hello";
    /** Where the demo's dirs live; dirs of demos that were killed are swept at the next start. */
    static final String DIR_PREFIX = "shoal-demo-";
    private static final Duration CONVERGE = Duration.ofSeconds(60);

    private final PrintStream out;
    private final Path image;
    private final String executor;
    private final Path dir;
    private final long started = System.nanoTime();
    private TestNetwork net;
    private final List<DaemonProcess> daemons = new ArrayList<>();
    private boolean closed;

    /** {@code image}: a {@code docker save} tarball of busybox, loaded on every host. */
    public Demo(PrintStream out, Path image, String executor) throws IOException {
        this.out = out;
        this.image = image;
        this.executor = executor;
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        OciResidue.sweepStale(tmp, DIR_PREFIX);
        TestNetwork.sweepLeftovers();
        this.dir = Files.createTempDirectory(tmp, DIR_PREFIX);
    }

    /** Where the daemons' dirs are, until {@link #close()}. */
    Path dir() {
        return dir;
    }

    /** The names of the hosts' namespaces start with this, once {@link #run()} made them. */
    String networkPrefix() {
        return net.prefix();
    }

    public void run() throws Exception {
        synchronized (this) {
            if (closed) return;
            net = TestNetwork.create(MANAGERS + WORKERS);
        }
        say("%d hosts on this machine, each a network namespace cabled to one bridge: %s", net.hosts().size(),
                net.hosts().stream().map(h -> h.name() + " " + h.address()).collect(Collectors.joining(", ")));
        say("starting a shoal daemon on each (executor %s; data under %s)", executor, dir);
        daemons.addAll(inParallel(net.hosts(), h -> h.daemon(dir.resolve(h.name()), h.daemonOptions().withExecutor(executor))));
        say("\"hN$ docker ...\" below is the docker CLI talking to host hN's daemon (DOCKER_HOST=unix://%s/hN/shoal.sock)", dir);
        for (int i = 0; i < daemons.size(); i++) show(i, "load", "-i", image.toString());

        Host first = net.host(1);
        show(0, "swarm", "init", "--advertise-addr", first.address());
        // A node is Down after missed heartbeats; 1 s heartbeats (Docker's default is 5 s) keep the demo short.
        show(0, "swarm", "update", "--dispatcher-heartbeat", "1s");
        String managerToken = show(0, "swarm", "join-token", "-q", "manager").trim();
        String workerToken = show(0, "swarm", "join-token", "-q", "worker").trim();
        for (int i = 1; i < daemons.size(); i++) {
            show(i, "swarm", "join", "--token", i < MANAGERS ? managerToken : workerToken, first.address() + ":2377");
        }
        show(0, "service", "create", "--detach", "--name", SERVICE, "--replicas", Integer.toString(REPLICAS),
                "--stop-grace-period", "1s", "busybox", "sh", "-c", "while true; do echo hello from $(hostname); sleep 5; done");
        await(0, "every node ready", d -> nodes(d).values().stream().filter("Ready"::equals).count() == daemons.size());
        await(0, REPLICAS + " tasks running", d -> running(d).values().stream().mapToLong(Long::longValue).sum() == REPLICAS);
        show(0, "node", "ls");
        show(0, "service", "ps", SERVICE);

        // The leader is h1 unless an election moved it (a slow machine can miss a heartbeat).
        String leaderName = managers(daemons.getFirst()).entrySet().stream().filter(e -> e.getValue().equals("Leader"))
                .map(Map.Entry::getKey).findFirst().orElse(first.name());
        int leader = Integer.parseInt(leaderName.substring(1)) - 1;
        int survivor = leader == 0 ? 1 : 0;
        say("kill -9 of the leader's daemon (%s, pid %d)", leaderName, daemons.get(leader).pid());
        daemons.get(leader).kill9();
        long killed = System.nanoTime();
        await(survivor, "a new leader", d -> {
            Map<String, String> m = managers(d);
            return m.containsValue("Leader") && !"Leader".equals(m.get(leaderName));
        });
        say("a new leader after %.1f s", seconds(killed));
        await(survivor, leaderName + " down, the others ready", d -> {
            Map<String, String> n = nodes(d);
            return "Down".equals(n.get(leaderName)) && "Unreachable".equals(managers(d).get(leaderName))
                    && n.values().stream().filter("Ready"::equals).count() == daemons.size() - 1;
        });
        say("%s is Down and Unreachable %.1f s after the kill; every other node is Ready", leaderName, seconds(killed));
        show(survivor, "node", "ls");
        await(survivor, REPLICAS + " tasks running on the survivors", d -> {
            Map<String, Long> r = running(d);
            return !r.containsKey(leaderName) && r.values().stream().mapToLong(Long::longValue).sum() == REPLICAS;
        });
        say("the service is back to %d replicas on the survivors %.1f s after the kill", REPLICAS, seconds(killed));
        show(survivor, "service", "ps", SERVICE);
        say("done in %.0f s; cleaning up", seconds(started));
    }

    private void say(String format, Object... args) {
        out.printf("%n== " + format + "%n", args);
    }

    /** Runs the docker CLI against host {@code i}'s daemon as a user would, shows both, and returns what it printed. */
    private String show(int i, String... args) throws IOException, InterruptedException {
        out.printf("%nh%d$ docker %s%n", i + 1, String.join(" ", quoted(args)));
        DaemonProcess.Result r = daemons.get(i).docker(args);
        out.print(r.out());
        out.print(r.err());
        if (r.exit() != 0) throw new IllegalStateException("docker " + String.join(" ", args) + " exited " + r.exit());
        return r.out();
    }

    private static List<String> quoted(String... args) {
        return Arrays.stream(args).map(a -> a.matches("[\\w./:=@,-]+") ? a : "'" + a + "'").toList();
    }

    private void await(int i, String what, Predicate<DaemonProcess> condition) {
        DaemonProcess d = daemons.get(i);
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (!condition.test(d)) {
            if (System.nanoTime() > deadline) {
                String seen;
                try {
                    DaemonProcess.Result r = d.docker("node", "ls");
                    seen = r.out() + r.err();
                } catch (IOException | InterruptedException e) {
                    seen = e.toString();
                }
                throw new IllegalStateException("not within " + CONVERGE.toSeconds() + " s: " + what + "; docker node ls on h"
                        + (i + 1) + " shows:\n" + seen);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what);
            }
        }
    }

    /** Hostname to its node status (Ready, Down, ...), as {@code docker node ls} shows it. */
    private static Map<String, String> nodes(DaemonProcess d) {
        return columns(d, "{{.Hostname}} {{.Status}}");
    }

    /** Hostname to its manager status (Leader, Reachable, Unreachable); workers are left out. */
    private static Map<String, String> managers(DaemonProcess d) {
        return columns(d, "{{.Hostname}} {{.ManagerStatus}}");
    }

    private static Map<String, String> columns(DaemonProcess d, String format) {
        try {
            DaemonProcess.Result r = d.docker("node", "ls", "--format", format);
            if (r.exit() != 0) return Map.of();
            return r.out().lines().map(l -> l.split(" ")).filter(a -> a.length == 2)
                    .collect(Collectors.toMap(a -> a[0], a -> a[1]));
        } catch (IOException | InterruptedException e) {
            return Map.of();
        }
    }

    /** Node name to how many of the service's tasks run there. */
    private static Map<String, Long> running(DaemonProcess d) {
        try {
            DaemonProcess.Result r = d.docker("service", "ps", "--filter", "desired-state=running",
                    "--format", "{{.Node}} {{.CurrentState}}", SERVICE);
            if (r.exit() != 0) return Map.of();
            return r.out().lines().filter(l -> l.contains(" Running")).map(l -> l.split(" ")[0])
                    .collect(Collectors.groupingBy(n -> n, Collectors.counting()));
        } catch (IOException | InterruptedException e) {
            return Map.of();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private interface HostStep<T> {
        T apply(Host host) throws Exception;
    }

    /** Daemon JVMs start in a few seconds each; started together they overlap. */
    private static <T> List<T> inParallel(List<Host> hosts, HostStep<T> step) throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (Host h : hosts) futures.add(pool.submit((Callable<T>) () -> step.apply(h)));
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                try {
                    results.add(f.get());
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception c ? c : e;
                }
            }
            return results;
        }
    }

    /** Whether {@link #close()} ran: a failure of {@link #run()} after it is the interruption, not a fault. */
    public synchronized boolean isClosed() {
        return closed;
    }

    /** Copies the daemons' logs out of the demo's dir (which {@link #close()} removes) for a post-mortem, and says where. */
    public Path keepLogs() throws IOException {
        Path kept = Files.createTempDirectory("shoal-failed-demo.");
        for (Host h : net == null ? List.<Host>of() : net.hosts()) {
            Path log = dir.resolve(h.name()).resolve("daemon.log");
            if (Files.exists(log)) Files.copy(log, kept.resolve(h.name() + ".log"));
        }
        return kept;
    }

    /**
     * Stops the daemons and removes the namespaces ({@link TestNetwork#close()}), then what the
     * daemons' containers left ({@link OciResidue#sweep}: the killed leader's containers outlive it,
     * as containers outlive a daemon by design) and the demo's dir. Safe to call twice, and from a
     * shutdown hook while {@link #run()} is still going.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (net != null) {
            try {
                net.close();
            } catch (IOException e) {
                out.println("cleaning up the network namespaces: " + e.getMessage());
            }
        }
        OciResidue.sweep(dir);
    }
}
