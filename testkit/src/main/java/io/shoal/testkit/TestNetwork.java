package io.shoal.testkit;

import io.shoal.testkit.DaemonProcess.Result;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Several "hosts" on one machine for multi-host tests: each host is a network namespace
 * {@code <prefix>-hN} with {@code lo} and an {@code eth0} at {@code 10.X.0.N/24}, cabled by a veth pair
 * to a bridge that lives in its own "switch" namespace {@code <prefix>-sw}. Nothing is created in
 * the machine's own namespace, so its interfaces, addresses and routes are never touched, and the
 * hosts have no route out of their subnet.
 *
 * <p>Faults: {@link #linkDown}/{@link #linkUp} (the host's cable, on the switch side),
 * {@link #partition} into groups that only reach each other (one bridge per group) and
 * {@link #heal}; daemons started with {@link Host#daemon} can be killed, frozen and thawed through
 * {@link DaemonProcess}.
 *
 * <p>Hygiene: every name starts with a per-run prefix ({@link #MARKER} + 5 random characters, short
 * because interface names are at most 15 characters). {@link #close()} stops what the hosts run and
 * removes every namespace, even after a failure half-way; {@link #sweepLeftovers()} removes what
 * runs that were killed left behind. Needs root, {@code ip} and {@code nsenter}: see
 * {@link #unavailableReason()}.
 */
public final class TestNetwork implements AutoCloseable {
    /** The global marker every harness name starts with. */
    public static final String MARKER = "stn";
    private static final String SWITCH = "sw";
    private static final int MAX_HOSTS = 250;
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final Path NETNS_DIR = Path.of("/run/netns");
    private static final Pattern IPV4_CIDR = Pattern.compile("\\b(\\d{1,3}(?:\\.\\d{1,3}){3})(?:/(\\d{1,2}))?\\b");

    /** What {@link #sweepLeftovers()} removed. */
    public record Swept(List<String> namespaces, List<String> links, List<String> ownerFiles) {
        public boolean isEmpty() {
            return namespaces.isEmpty() && links.isEmpty() && ownerFiles.isEmpty();
        }
    }

    private final String ip;
    private final String nsenter;
    private final String prefix;
    private final int subnetOctet;
    private final List<Host> hosts = new ArrayList<>();
    private final List<DaemonProcess> daemons = new CopyOnWriteArrayList<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<ServerSocket> listeners = new CopyOnWriteArrayList<>();
    private final Map<Host, Integer> bridgeOf = new HashMap<>();
    private int bridges = 1;
    private Duration setupTime = Duration.ZERO;
    private boolean closed;

    private TestNetwork(String ip, String nsenter, String prefix, int subnetOctet) {
        this.ip = ip;
        this.nsenter = nsenter;
        this.prefix = prefix;
        this.subnetOctet = subnetOctet;
    }

    /** Why this machine cannot run a TestNetwork (not root, no {@code ip}, no {@code nsenter}), or empty. */
    public static Optional<String> unavailableReason() {
        if (!isRoot()) return Optional.of("needs root to create network namespaces");
        if (ipCommand().isEmpty()) return Optional.of("no ip command (iproute2) in /usr/sbin, /sbin, /usr/bin, /bin");
        if (nsenterCommand().isEmpty()) return Optional.of("no nsenter command (util-linux)");
        return Optional.empty();
    }

    /** Creates {@code hosts} hosts, all on one bridge and able to reach each other. */
    public static TestNetwork create(int hosts) throws IOException {
        if (hosts < 1 || hosts > MAX_HOSTS) throw new IllegalArgumentException("hosts must be 1.." + MAX_HOSTS + ": " + hosts);
        unavailableReason().ifPresent(r -> {
            throw new IllegalStateException("TestNetwork unavailable: " + r);
        });
        String ip = ipCommand().orElseThrow();
        TestNetwork net = new TestNetwork(ip, nsenterCommand().orElseThrow(), claimPrefix(ip), freeSubnetOctet(ip));
        try {
            net.build(hosts);
            return net;
        } catch (IOException | RuntimeException | Error e) {
            try {
                net.close();
            } catch (Exception cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * Removes namespaces and links named with {@link #MARKER} whose creating run is gone (killed
     * before its close()), after killing the processes still running in them. Networks of live runs,
     * in this JVM or others, are kept. Call it at the start of a suite.
     */
    public static Swept sweepLeftovers() throws IOException {
        return Leftovers.sweep(ipCommand().orElseThrow(() -> new IOException("no ip command")));
    }

    public String prefix() {
        return prefix;
    }

    /** The hosts' subnet, e.g. {@code 10.173.0.0/24}. */
    public String subnet() {
        return "10." + subnetOctet + ".0.0/24";
    }

    public List<Host> hosts() {
        return List.copyOf(hosts);
    }

    /** Host {@code n}, counting from 1 as the names and addresses do. */
    public Host host(int n) {
        if (n < 1 || n > hosts.size()) throw new IllegalArgumentException("no host " + n + " (1.." + hosts.size() + ")");
        return hosts.get(n - 1);
    }

    public String address(Host host) {
        return own(host).address();
    }

    /** The host that has {@code address}. */
    public Optional<Host> hostAt(String address) {
        return hosts.stream().filter(h -> h.address().equals(address)).findFirst();
    }

    /** The switch namespace, where the bridge and the hosts' cable ends are. */
    public String switchNamespace() {
        return prefix + "-" + SWITCH;
    }

    /** How long {@link #create} took to build the namespaces, links and addresses. */
    public Duration setupTime() {
        return setupTime;
    }

    /** Unplugs the host's cable: its bridge-side veth goes down, so no frame reaches or leaves it. */
    public void linkDown(Host host) throws IOException {
        Exec.ok(ip, "-n", switchNamespace(), "link", "set", own(host).port(), "down");
    }

    /** Plugs the host's cable back in. */
    public void linkUp(Host host) throws IOException {
        Exec.ok(ip, "-n", switchNamespace(), "link", "set", own(host).port(), "up");
    }

    /**
     * Splits the network: the hosts of each group reach each other only; hosts in no group form
     * one more group together. Replaces any earlier partition. Each group gets its own bridge, so a
     * partition and a {@link #linkDown} are independent.
     */
    @SafeVarargs
    public final synchronized void partition(Set<Host>... groups) throws IOException {
        Map<Host, Integer> target = new HashMap<>();
        for (Host h : hosts) target.put(h, 0);
        Set<Host> seen = new HashSet<>();
        StringBuilder batch = new StringBuilder();
        for (int g = 0; g < groups.length; g++) {
            for (Host h : groups[g]) {
                if (!seen.add(own(h))) throw new IllegalArgumentException(h.name() + " is in two groups");
                target.put(h, g + 1);
            }
        }
        for (; bridges <= groups.length; bridges++) {
            batch.append("link add br").append(bridges).append(" type bridge\n");
            batch.append("link set br").append(bridges).append(" up\n");
        }
        for (Host h : hosts) {
            if (!target.get(h).equals(bridgeOf.get(h))) {
                batch.append("link set ").append(h.port()).append(" master br").append(target.get(h)).append('\n');
            }
        }
        if (!batch.isEmpty()) Exec.ok(List.of(ip, "-n", switchNamespace(), "-batch", "-"), batch.toString());
        bridgeOf.putAll(target);
    }

    /** Ends a {@link #partition}: every host back on one bridge. */
    public void heal() throws IOException {
        partition();
    }

    /**
     * Stops what runs in the hosts (daemons first, gently, then any other process still in a host
     * namespace) and deletes every namespace, which removes the veths and bridges with them.
     * Safe to call twice; throws the first failure after trying every step.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        List<Exception> failures = new ArrayList<>();
        List<Thread> stopping = new ArrayList<>();
        for (DaemonProcess d : daemons) {
            stopping.add(Thread.startVirtualThread(() -> {
                try {
                    d.close();
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }));
        }
        for (Thread t : stopping) join(t);
        for (ServerSocket s : listeners) attempt(failures, s::close);
        for (Process p : processes) attempt(failures, () -> destroy(p));
        attempt(failures, () -> {
            List<String> mine = namespaces().stream().filter(n -> n.startsWith(prefix + "-")).toList();
            killProcessesIn(mine);
            deleteNamespaces(ip, mine);
            List<String> left = namespaces().stream().filter(n -> n.startsWith(prefix + "-")).toList();
            if (!left.isEmpty()) throw new IOException("namespaces left after close: " + left);
        });
        attempt(failures, () -> Leftovers.release(prefix));
        if (!failures.isEmpty()) {
            IOException e = new IOException("closing TestNetwork " + prefix + ": " + failures.getFirst().getMessage(), failures.getFirst());
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    @Override
    public String toString() {
        return "TestNetwork " + prefix + " " + subnet() + " " + hosts.stream().map(Host::toString).toList();
    }

    /** One host: a network namespace with {@code lo} and {@code eth0}. */
    public final class Host {
        private final int index;
        private final String address;

        private Host(int index) {
            this.index = index;
            this.address = "10." + subnetOctet + ".0." + index;
        }

        public int index() {
            return index;
        }

        /** {@code h1}, {@code h2}, ...: short, used as the daemon's hostname. */
        public String name() {
            return "h" + index;
        }

        /** The namespace's name, as {@code ip netns list} shows it. */
        public String netns() {
            return prefix + "-" + name();
        }

        public Path netnsPath() {
            return Path.of("/run/netns", netns());
        }

        /** The address of {@code eth0}. */
        public String address() {
            return address;
        }

        private TestNetwork network() {
            return TestNetwork.this;
        }

        /** The bridge-side end of this host's cable, in the switch namespace. */
        String port() {
            return prefix + "-" + name();
        }

        /**
         * {@code argv} run in this host's network namespace with {@code nsenter --net}, which changes
         * nothing else (not {@code ip netns exec}: that also gives a new mount namespace and remounts
         * /sys, hiding /sys/fs/cgroup from runc) and execs, so the process's pid is the command's.
         */
        public List<String> command(String... argv) {
            List<String> cmd = new ArrayList<>(List.of(nsenter, "--net=" + netnsPath()));
            cmd.addAll(Arrays.asList(argv));
            return cmd;
        }

        /** Runs a short command in this host and returns its exit code and output. */
        public Result exec(Duration timeout, String... argv) throws IOException {
            return Exec.run(command(argv), null, timeout);
        }

        /** Starts a long-running command in this host; it is stopped by {@link TestNetwork#close()}. */
        public Process start(Path log, String... argv) throws IOException {
            ProcessBuilder pb = new ProcessBuilder(command(argv)).redirectErrorStream(true)
                    .redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.appendTo(log.toFile()));
            Process p = pb.start();
            processes.add(p);
            return p;
        }

        /** Whether one ICMP echo to {@code target} is answered within a second. */
        public boolean ping(String target) throws IOException {
            List<String> argv = new ArrayList<>(Exec.find("/bin/ping", "/usr/bin/ping").map(List::of)
                    .or(() -> Exec.find("/bin/busybox", "/usr/bin/busybox").map(b -> List.of(b, "ping")))
                    .orElseThrow(() -> new IOException("neither ping nor busybox is installed")));
            argv.addAll(List.of("-c1", "-W1", target));
            return exec(Duration.ofSeconds(10), argv.toArray(String[]::new)).exit() == 0;
        }

        /** Runs {@code body} on a thread inside this host's network namespace, in this JVM. */
        public <T> T inside(Callable<T> body) throws IOException {
            return Netns.call(netnsPath(), body);
        }

        /** A TCP listener on this host's address; closed by {@link TestNetwork#close()}. */
        public ServerSocket listen(int port) throws IOException {
            ServerSocket s = inside(() -> {
                ServerSocket server = new ServerSocket();
                server.setReuseAddress(true);
                server.bind(new InetSocketAddress(address, port));
                return server;
            });
            listeners.add(s);
            return s;
        }

        /** A TCP connection from this host; the caller closes it. */
        public Socket connect(String target, int port, Duration timeout) throws IOException {
            return inside(() -> {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(target, port), (int) timeout.toMillis());
                    return s;
                } catch (IOException e) {
                    s.close();
                    throw e;
                }
            });
        }

        /** Whether a TCP connection from this host to {@code target:port} opens within {@code timeout}. */
        public boolean canConnect(String target, int port, Duration timeout) {
            try (Socket s = connect(target, port, timeout)) {
                return s.isConnected();
            } catch (IOException e) {
                return false;
            }
        }

        /**
         * How {@link #daemon(Path)} launches a daemon here: under nsenter, listening on
         * {@code <address>:2377} (every host has its own namespace, so the port is the same
         * everywhere), advertising {@link #address()}, hostname {@link #name()}.
         */
        public DaemonProcess.Options daemonOptions() throws IOException {
            return DaemonProcess.Options.local()
                    .withCommandPrefix(command())
                    .withListenAddr(address + ":2377")
                    .withAdvertiseAddr(address)
                    .withHostname(name());
        }

        /** Starts a daemon in this host with {@link #daemonOptions()}; it answers /_ping when this returns. */
        public DaemonProcess daemon(Path dir) throws IOException {
            return daemon(dir, daemonOptions());
        }

        /** Starts a daemon in this host; {@code options} should come from {@link #daemonOptions()}. */
        public DaemonProcess daemon(Path dir, DaemonProcess.Options options) throws IOException {
            Files.createDirectories(dir);
            DaemonProcess d = new DaemonProcess(dir, options);
            daemons.add(d);
            return d.start();
        }

        @Override
        public String toString() {
            return name() + "=" + address;
        }
    }

    // ---- building ----

    private void build(int count) throws IOException {
        long t0 = System.nanoTime();
        for (int i = 1; i <= count; i++) hosts.add(new Host(i));
        StringBuilder add = new StringBuilder("netns add ").append(switchNamespace()).append('\n');
        for (Host h : hosts) add.append("netns add ").append(h.netns()).append('\n');
        Exec.ok(List.of(ip, "-batch", "-"), add.toString());

        StringBuilder cable = new StringBuilder("link add br0 type bridge\nlink set br0 up\n");
        for (Host h : hosts) {
            cable.append("link add ").append(h.port()).append(" type veth peer name eth0 netns ").append(h.netns()).append('\n');
            cable.append("link set ").append(h.port()).append(" master br0 up\n");
            bridgeOf.put(h, 0);
        }
        Exec.ok(List.of(nsenter, "--net=/run/netns/" + switchNamespace(), ip, "-batch", "-"), cable.toString());
        // In this JVM, not with an ip process per host: a process costs ~25 ms here, the ioctls well under 1 ms.
        for (Host h : hosts) {
            h.inside(() -> {
                Netns.configure("eth0", h.address(), 24);
                return null;
            });
        }
        setupTime = Duration.ofNanos(System.nanoTime() - t0);
    }

    private Host own(Host h) {
        if (h.network() != this) throw new IllegalArgumentException(h + " belongs to another TestNetwork");
        return h;
    }

    private static String claimPrefix(String ip) throws IOException {
        Set<String> taken = new HashSet<>();
        for (String ns : namespaces()) Leftovers.prefixOf(ns).ifPresent(taken::add);
        for (int attempt = 0; attempt < 100; attempt++) {
            StringBuilder p = new StringBuilder(MARKER);
            for (int i = 0; i < 5; i++) p.append(ALPHABET.charAt(ThreadLocalRandom.current().nextInt(ALPHABET.length())));
            String prefix = p.toString();
            if (!taken.contains(prefix) && Leftovers.claim(prefix)) return prefix;
        }
        throw new IOException("could not find a free TestNetwork prefix");
    }

    /**
     * A second octet X in 100..254 such that 10.X.0.0/24 overlaps no address or route of the
     * machine's own namespace (the swarm's default address pool starts at 10.0.0.0/24, so it is
     * kept clear too).
     */
    private static int freeSubnetOctet(String ip) throws IOException {
        List<long[]> used = new ArrayList<>();
        // Table "local" lists every address of the machine as well.
        String seen = Exec.ok(ip, "-4", "route", "show", "table", "all");
        Matcher m = IPV4_CIDR.matcher(seen);
        while (m.find()) {
            int len = m.group(2) == null ? 32 : Integer.parseInt(m.group(2));
            if (len > 0) used.add(new long[] {toLong(m.group(1)), len});
        }
        List<Integer> candidates = new ArrayList<>();
        for (int x = 100; x <= 254; x++) candidates.add(x);
        java.util.Collections.shuffle(candidates);
        for (int x : candidates) {
            long net = toLong("10." + x + ".0.0");
            if (used.stream().noneMatch(u -> overlaps(net, 24, u[0], (int) u[1]))) return x;
        }
        throw new IOException("every 10.X.0.0/24 (X in 100..254) overlaps this machine's routes");
    }

    private static boolean overlaps(long a, int aLen, long b, int bLen) {
        int len = Math.min(aLen, bLen);
        long mask = len == 0 ? 0 : (0xffffffffL << (32 - len)) & 0xffffffffL;
        return (a & mask) == (b & mask);
    }

    private static long toLong(String dotted) {
        long v = 0;
        for (String part : dotted.split("\\.")) v = (v << 8) | Integer.parseInt(part);
        return v;
    }

    // ---- shared with Leftovers ----

    /** Every named network namespace (what {@code ip netns list} reads). */
    static List<String> namespaces() throws IOException {
        if (!Files.isDirectory(NETNS_DIR)) return List.of();
        try (Stream<Path> files = Files.list(NETNS_DIR)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    /** Every link's name in {@code netns}, or in the machine's own namespace when it is null. */
    static List<String> links(String ip, String netns) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ip));
        if (netns != null) cmd.addAll(List.of("-n", netns));
        cmd.addAll(List.of("-o", "link", "show"));
        return Exec.ok(cmd, null).lines()
                .map(l -> l.split(":\\s+", 3))
                .filter(f -> f.length >= 2)
                .map(f -> f[1].split("@")[0])
                .toList();
    }

    /**
     * SIGKILLs, by pid, every process left in these namespaces (never this JVM) and waits for them.
     * Like {@code ip netns pids}, but one scan of /proc for all of them.
     */
    static void killProcessesIn(List<String> namespaces) throws IOException {
        if (namespaces.isEmpty()) return;
        Set<String> inodes = new HashSet<>();
        for (String ns : namespaces) {
            try {
                inodes.add("net:[" + Files.getAttribute(NETNS_DIR.resolve(ns), "unix:ino") + "]");
            } catch (java.nio.file.NoSuchFileException e) {
                // already gone
            }
        }
        long self = ProcessHandle.current().pid();
        List<ProcessHandle> victims = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.toList()) {
                String name = proc.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) continue;
                try {
                    if (inodes.contains(Files.readSymbolicLink(proc.resolve("ns/net")).toString())) {
                        ProcessHandle.of(Long.parseLong(name)).ifPresent(victims::add);
                    }
                } catch (IOException e) {
                    // exited meanwhile, or a kernel thread
                }
            }
        }
        victims.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : victims) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // a zombie whose parent is gone still goes away with its namespace reference
            }
        }
    }

    static void deleteNamespaces(String ip, List<String> namespaces) throws IOException {
        if (namespaces.isEmpty()) return;
        StringBuilder batch = new StringBuilder();
        namespaces.forEach(n -> batch.append("netns del ").append(n).append('\n'));
        Result r = Exec.run(List.of(ip, "-force", "-batch", "-"), batch.toString(), Exec.DEFAULT_TIMEOUT);
        if (r.exit() != 0) throw new IOException("deleting namespaces " + namespaces + ": " + r.err().strip());
    }

    private static Optional<String> ipCommand() {
        return Exec.find("/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip");
    }

    private static Optional<String> nsenterCommand() {
        return Exec.find("/usr/bin/nsenter", "/bin/nsenter", "/usr/sbin/nsenter");
    }

    private static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(l -> l.startsWith("Uid:"))
                    .anyMatch(l -> l.split("\\s+")[2].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void attempt(List<Exception> failures, Step step) {
        try {
            step.run();
        } catch (Exception e) {
            synchronized (failures) {
                failures.add(e);
            }
        }
    }

    private static void destroy(Process p) throws InterruptedException {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
