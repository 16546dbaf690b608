package io.shoal.daemon.demo;

import static io.shoal.testkit.ServicePs.runningCount;
import static io.shoal.testkit.ServicePs.runningPerNode;
import static io.shoal.testkit.TestSwarm.managerStatus;
import static io.shoal.testkit.TestSwarm.nodeStatus;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.OciResidue;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import io.shoal.testkit.TestSwarm;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Shoal's main job on one machine: five hosts, each a network namespace with its own address on
 * one bridge (the testkit's {@link TestNetwork}, the same the multi-host tests use), a {@code shoal
 * daemon} on each, made a swarm of three managers and two workers with the docker CLI and real join
 * tokens (the testkit's {@link TestSwarm}, each of its commands shown); a replicated service; then kill -9 of the leader, and the swarm elects another and brings
 * the service back to its replica count on the survivors. Everything it made is removed by
 * {@link #close()}, also after a failure or Ctrl-C.
 */
public final class Demo implements AutoCloseable {
    static final int MANAGERS = 3, WORKERS = 2, REPLICAS = 6;
    static final String SERVICE = "hello";
    /** Where the demo's dirs live; dirs of demos that were killed are swept at the next start. */
    static final String DIR_PREFIX = "shoal-demo-";

    private final PrintStream out;
    private final Path image;
    private final String executor;
    private final Path dir;
    private final long started = System.nanoTime();
    private TestNetwork net;
    private TestSwarm swarm;
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
        swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(MANAGERS, WORKERS)
                .withLaunch(h -> h.daemonOptions().withExecutor(executor))
                .withCli((node, args) -> show(node.host().index(), args)));
        say("\"hN$ docker ...\" below is the docker CLI talking to host hN's daemon (DOCKER_HOST=unix://%s/hN/shoal.sock)", dir);
        for (int n = 1; n <= net.hosts().size(); n++) show(n, "load", "-i", image.toString());

        swarm.init();
        // A node is Down after missed heartbeats; 1 s heartbeats (Docker's default is 5 s) keep the demo short.
        swarm.heartbeat(Duration.ofSeconds(1));
        swarm.join(swarm.tokens());
        show(1, "service", "create", "--detach", "--name", SERVICE, "--replicas", Integer.toString(REPLICAS),
                "--stop-grace-period", "1s", "busybox", "sh", "-c", "while true; do echo hello from $(hostname); sleep 5; done");
        swarm.awaitFormed();
        swarm.await(1, REPLICAS + " tasks running", d -> runningCount(d, SERVICE) == REPLICAS);
        show(1, "node", "ls");
        show(1, "service", "ps", SERVICE);

        // The leader is h1 unless an election moved it (a slow machine can miss a heartbeat).
        String leaderName = managerStatus(swarm.daemon(1)).entrySet().stream().filter(e -> e.getValue().equals("Leader"))
                .map(Map.Entry::getKey).findFirst().orElse(net.host(1).name());
        int leader = Integer.parseInt(leaderName.substring(1));
        int survivor = leader == 1 ? 2 : 1;
        say("kill -9 of the leader's daemon (%s, pid %d)", leaderName, swarm.daemon(leader).pid());
        swarm.daemon(leader).kill9();
        long killed = System.nanoTime();
        swarm.await(survivor, "a new leader", d -> {
            Map<String, String> m = managerStatus(d);
            return m.containsValue("Leader") && !"Leader".equals(m.get(leaderName));
        });
        say("a new leader after %.1f s", seconds(killed));
        swarm.await(survivor, leaderName + " down, the others ready", d -> {
            Map<String, String> n = nodeStatus(d);
            return "Down".equals(n.get(leaderName)) && "Unreachable".equals(managerStatus(d).get(leaderName))
                    && n.values().stream().filter("Ready"::equals).count() == swarm.nodes().size() - 1;
        });
        say("%s is Down and Unreachable %.1f s after the kill; every other node is Ready", leaderName, seconds(killed));
        show(survivor, "node", "ls");
        swarm.await(survivor, REPLICAS + " tasks running on the survivors", d -> {
            Map<String, Long> r = runningPerNode(d, SERVICE);
            return !r.containsKey(leaderName) && r.values().stream().mapToLong(Long::longValue).sum() == REPLICAS;
        });
        say("the service is back to %d replicas on the survivors %.1f s after the kill", REPLICAS, seconds(killed));
        show(survivor, "service", "ps", SERVICE);
        say("done in %.0f s; cleaning up", seconds(started));
    }

    private void say(String format, Object... args) {
        out.printf("%n== " + format + "%n", args);
    }

    /** Runs the docker CLI against host {@code n}'s daemon as a user would, shows both, and returns what it printed. */
    private String show(int n, String... args) throws IOException, InterruptedException {
        out.printf("%nh%d$ docker %s%n", n, String.join(" ", quoted(args)));
        DaemonProcess.Result r = swarm.daemon(n).docker(args);
        out.print(r.out());
        out.print(r.err());
        if (r.exit() != 0) throw new IllegalStateException("docker " + String.join(" ", args) + " exited " + r.exit());
        return r.out();
    }

    private static List<String> quoted(String... args) {
        return Arrays.stream(args).map(a -> a.matches("[\\w./:=@,-]+") ? a : "'" + a + "'").toList();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
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
