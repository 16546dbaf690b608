package io.shoal.testkit;

import io.shoal.testkit.TestNetwork.Host;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A swarm of daemons in the first hosts of a {@link TestNetwork}, formed as a user forms one with
 * the docker CLI: h1 runs {@code docker swarm init}, the next managers join with the manager token,
 * the workers with the worker token. {@link #form} takes every step and waits until the swarm is
 * whole; the steps are public too, for a test that checks or changes something between them. The
 * network's other hosts are left free, and its {@link TestNetwork#close()} stops the daemons.
 */
public final class TestSwarm {
    /** How long {@link #awaitFormed()} and {@link #await} wait. */
    public static final Duration CONVERGE = Duration.ofSeconds(60);

    public enum Role {
        MANAGER, WORKER;

        /** As the docker CLI spells it: {@code join-token manager}, "joined a swarm as a worker". */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One node: host {@code hN}, the daemon in it, and the role it joins with (h1, which inits, is a manager). */
    public record Node(Host host, DaemonProcess daemon, Role role) {
        public String name() {
            return host.name();
        }
    }

    public record JoinTokens(String manager, String worker) {
        public String of(Role role) {
            return role == Role.MANAGER ? manager : worker;
        }
    }

    /** How a node's daemon is launched; {@link Host#daemonOptions()} unless a test needs more. */
    @FunctionalInterface
    public interface Launch {
        DaemonProcess.Options options(Host host) throws IOException;
    }

    /**
     * How the swarm runs the docker CLI on a node: returns what it printed on stdout, and throws
     * unless it exits 0. The demo's shows each command and its output to the user.
     */
    @FunctionalInterface
    public interface Cli {
        String run(Node node, String... args) throws IOException, InterruptedException;
    }

    /** How many managers (h1 among them) and workers, how their daemons are launched and driven. */
    public record Plan(int managers, int workers, Launch launch, Cli cli) {
        public Plan {
            if (managers < 1 || workers < 0) throw new IllegalArgumentException(managers + " managers, " + workers + " workers");
        }

        public static Plan of(int managers, int workers) {
            return new Plan(managers, workers, Host::daemonOptions, (node, args) -> node.daemon().dockerOk(args));
        }

        public Plan withLaunch(Launch l) {
            return new Plan(managers, workers, l, cli);
        }

        public Plan withCli(Cli c) {
            return new Plan(managers, workers, launch, c);
        }
    }

    private final Plan plan;
    private final List<Node> nodes;

    private TestSwarm(Plan plan, List<Node> nodes) {
        this.plan = plan;
        this.nodes = List.copyOf(nodes);
    }

    /**
     * Starts the daemons of hosts h1 to h(managers + workers), in {@code dir/hN}, all at once (a
     * daemon's JVM takes seconds to start; started together they overlap); they answer
     * {@code /_ping} when this returns, not yet in a swarm.
     */
    public static TestSwarm start(TestNetwork net, Path dir, Plan plan) throws Exception {
        int size = plan.managers() + plan.workers();
        if (size > net.hosts().size()) throw new IllegalArgumentException(size + " nodes on " + net.hosts().size() + " hosts");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Node>> starting = new ArrayList<>();
            for (int n = 1; n <= size; n++) {
                Host h = net.host(n);
                Role role = n <= plan.managers() ? Role.MANAGER : Role.WORKER;
                starting.add(pool.submit((Callable<Node>) () -> new Node(h, h.daemon(dir.resolve(h.name()), plan.launch().options(h)), role)));
            }
            List<Node> nodes = new ArrayList<>();
            for (Future<Node> f : starting) {
                try {
                    nodes.add(f.get());
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof Error failed) throw failed;
                    throw e.getCause() instanceof Exception c ? c : e;
                }
            }
            return new TestSwarm(plan, nodes);
        }
    }

    /** Every step: init, {@code heartbeat} when given, the tokens, the joins; then waits until the swarm is whole. */
    public TestSwarm form(Duration heartbeat) throws Exception {
        init();
        if (heartbeat != null) heartbeat(heartbeat);
        join(tokens());
        awaitFormed();
        return this;
    }

    /** {@link #form(Duration)} with the swarm's default heartbeat period. */
    public TestSwarm form() throws Exception {
        return form(null);
    }

    /** {@code docker swarm init} on h1, advertising its address, with {@code extraArgs}; returns what it printed. */
    public String init(String... extraArgs) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("swarm", "init", "--advertise-addr", first().host().address()));
        args.addAll(List.of(extraArgs));
        return cli(first(), args.toArray(String[]::new));
    }

    /** Sets the dispatcher's heartbeat period: a node is Down after missed heartbeats, so a short one makes tests short. */
    public void heartbeat(Duration period) throws IOException, InterruptedException {
        String text = period.toMillis() % 1000 == 0 ? period.toSeconds() + "s" : period.toMillis() + "ms";
        cli(first(), "swarm", "update", "--dispatcher-heartbeat", text);
    }

    /** The join tokens, as {@code docker swarm join-token -q} prints them on h1. */
    public JoinTokens tokens() throws IOException, InterruptedException {
        return new JoinTokens(cli(first(), "swarm", "join-token", "-q", "manager").trim(),
                cli(first(), "swarm", "join-token", "-q", "worker").trim());
    }

    /** Every node but h1 joins through h1's cluster port with its role's token, and says it joined as that role. */
    public void join(JoinTokens tokens) throws IOException, InterruptedException {
        String remote = first().host().address() + ":2377";
        for (Node n : nodes.subList(1, nodes.size())) {
            String joined = cli(n, "swarm", "join", "--token", tokens.of(n.role()), remote);
            String expected = "This node joined a swarm as a " + n.role().word();
            if (!joined.contains(expected)) throw new IllegalStateException(n.name() + ": " + joined.strip() + "; expected " + expected);
        }
    }

    /** Waits until {@code docker node ls} on h1 shows every node Ready, one manager Leader and the others Reachable. */
    public void awaitFormed() {
        await(1, "every node Ready, one Leader, the other managers Reachable", d -> {
            Map<String, Listed> listed = nodeList(d);
            return nodes.stream().allMatch(n -> {
                Listed l = listed.get(n.name());
                return l != null && l.status().equals("Ready") && (n.role() == Role.MANAGER
                        ? List.of("Leader", "Reachable").contains(l.managerStatus()) : l.managerStatus().isEmpty());
            }) && listed.values().stream().filter(l -> l.managerStatus().equals("Leader")).count() == 1;
        });
    }

    /**
     * Waits up to {@link #CONVERGE} until {@code condition} holds for node {@code n}'s daemon; if it
     * does not, fails saying {@code what}, with {@code docker node ls} on that node and the notable
     * lines of every daemon's log.
     */
    public void await(int n, String what, Predicate<DaemonProcess> condition) {
        DaemonProcess d = daemon(n);
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        while (!condition.test(d)) {
            if (System.nanoTime() > deadline) {
                StringBuilder why = new StringBuilder("not within " + CONVERGE.toSeconds() + " s: " + what
                        + "; docker node ls on h" + n + " shows:\n" + nodeTable(d));
                for (Node other : nodes) why.append("\n--- ").append(other.name()).append(":\n").append(tail(other.daemon().notableLog(), 20));
                throw new IllegalStateException(why.toString());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what);
            }
        }
    }

    public List<Node> nodes() {
        return nodes;
    }

    /** Node {@code n}, counting from 1 as the hosts do. */
    public Node node(int n) {
        if (n < 1 || n > nodes.size()) throw new IllegalArgumentException("no node " + n + " (1.." + nodes.size() + ")");
        return nodes.get(n - 1);
    }

    public DaemonProcess daemon(int n) {
        return node(n).daemon();
    }

    public List<DaemonProcess> daemons() {
        return nodes.stream().map(Node::daemon).toList();
    }

    /** Hostname to STATUS (Ready, Down, ...) as {@code docker node ls} on {@code d} shows it; empty when {@code d} refuses. */
    public static Map<String, String> nodeStatus(DaemonProcess d) {
        return nodeList(d).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().status()));
    }

    /** Hostname to MANAGER STATUS (Leader, Reachable, Unreachable; empty for a worker); empty when {@code d} refuses. */
    public static Map<String, String> managerStatus(DaemonProcess d) {
        return nodeList(d).entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().managerStatus()));
    }

    /** A node's row of {@code docker node ls}. */
    private record Listed(String status, String managerStatus) {}

    /** Hostname to its row, one {@code docker node ls} on {@code d}; empty when {@code d} refuses. */
    private static Map<String, Listed> nodeList(DaemonProcess d) {
        try {
            DaemonProcess.Result r = d.docker("node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.ManagerStatus}}");
            if (r.exit() != 0) return Map.of();
            Map<String, Listed> out = new HashMap<>();
            for (String line : r.out().lines().toList()) {
                String[] f = line.split(" ", 3);
                out.put(f[0], new Listed(f.length > 1 ? f[1] : "", f.length > 2 ? f[2].trim() : ""));
            }
            return out;
        } catch (IOException | InterruptedException e) {
            return Map.of();
        }
    }

    private static String nodeTable(DaemonProcess d) {
        try {
            return d.docker("node", "ls").both();
        } catch (IOException | InterruptedException e) {
            return e.toString();
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private Node first() {
        return nodes.getFirst();
    }

    private String cli(Node node, String... args) throws IOException, InterruptedException {
        return plan.cli().run(node, args);
    }
}
