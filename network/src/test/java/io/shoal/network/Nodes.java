package io.shoal.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.common.FileTrees;
import io.shoal.common.Ipv4Prefix;
import io.shoal.testkit.DaemonProcess.Result;
import io.shoal.testkit.TestNetwork.Host;
import io.shoal.testkit.TestNetwork;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Nodes for data plane tests: {@link TestNetwork} hosts, a {@link DataPlane} living in each host's
 * namespace with its state under {@value #STATE}/&lt;prefix&gt;/hN, and the processes tests start in
 * sandboxes. {@link #close()} kills those, sweeps every data plane and removes the hosts.
 */
final class Nodes implements AutoCloseable {
    static final Path STATE = Path.of("/run/shoal-nettest");
    static final String BUSYBOX = "/bin/busybox";

    final TestNetwork net;
    private final Map<Integer, DataPlane> planes = new HashMap<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> sockets = new CopyOnWriteArrayList<>();
    private final NamespaceThread thread;

    private Nodes(TestNetwork net) throws IOException {
        this.net = net;
        this.thread = new NamespaceThread(null);
    }

    /** Skips the calling test class, with the reason printed, where the data plane cannot run; sweeps what killed runs left. */
    static void requireRoot(Class<?> test) throws IOException {
        Optional<String> reason = TestNetwork.unavailableReason().or(DataPlane::unavailableReason)
                .or(() -> Files.isExecutable(Path.of(BUSYBOX)) ? Optional.empty() : Optional.of("no " + BUSYBOX + " (busybox-static)"));
        reason.ifPresent(r -> System.out.println(test.getSimpleName() + " skipped: " + r));
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
        TestNetwork.sweepLeftovers();
        sweepDeadStateDirs();
    }

    static Nodes create(int hosts) throws IOException {
        return new Nodes(TestNetwork.create(hosts));
    }

    Host host(int n) {
        return net.host(n);
    }

    Inet4Address address(int host) {
        return Ipv4Prefix.inet(net.host(host).address());
    }

    Path stateDir(int host) {
        return STATE.resolve(net.prefix()).resolve(net.host(host).name());
    }

    /** Starts host {@code n}'s data plane with these upstream DNS servers. */
    DataPlane start(int n, List<InetSocketAddress> upstreams) throws IOException {
        DataPlane p = DataPlane.inNamespace(host(n).netnsPath(), stateDir(n), address(n), upstreams);
        DataPlane old = planes.put(n, p);
        if (old != null) old.close();
        return p;
    }

    /** Host {@code n}'s data plane, started without upstream DNS servers the first time. */
    DataPlane plane(int n) throws IOException {
        DataPlane p = planes.get(n);
        return p != null ? p : start(n, List.of());
    }

    /** Starts {@code argv} inside {@code netns}; it is killed by {@link #close()}. */
    Process start(Path netns, String... argv) throws IOException {
        Process p = new ProcessBuilder(command(netns, argv)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** Runs a short {@code argv} inside {@code netns}. */
    static Result run(Path netns, Duration timeout, String... argv) throws IOException {
        Process p = new ProcessBuilder(command(netns, argv)).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", argv) + " did not finish within " + timeout);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), "");
        } catch (InterruptedException e) {
            p.destroyForcibly();
            throw new IOException(e);
        }
    }

    /** Whether one ping from {@code netns} to {@code target} is answered within a second. */
    static boolean ping(Path netns, Inet4Address target) throws IOException {
        return run(netns, Duration.ofSeconds(10), BUSYBOX, "ping", "-c1", "-W1", target.getHostAddress()).exit() == 0;
    }

    /**
     * Whether {@code target} answers a ping from {@code netns} within 10 s: an address that was
     * tried before its peer was programmed stays INCOMPLETE until the next ARP probe, a second later.
     */
    static boolean reaches(Path netns, Inet4Address target) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ping(netns, target)) {
            if (System.nanoTime() > deadline) return false;
        }
        return true;
    }

    /** A busybox server on {@code port} in {@code netns} that writes {@code name} to each connection. */
    Process nameServer(Path netns, int port, String name) throws IOException {
        return start(netns, BUSYBOX, "nc", "-ll", "-p", Integer.toString(port), "-e", "/bin/echo", name);
    }

    /** A TCP connection from inside {@code netns} (its socket is made there, so it takes the sandbox's routes and VIP table). */
    SocketChannel connect(Path netns, Inet4Address target, int port, Duration timeout) throws IOException {
        SocketChannel ch = thread.in(netns, () -> SocketChannel.open(StandardProtocolFamily.INET));
        try {
            ch.socket().connect(new InetSocketAddress(target, port), (int) timeout.toMillis());
            ch.socket().setSoTimeout((int) timeout.toMillis());
            return ch;
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** The first line a server at {@code target:port} writes to a connection from {@code netns}. */
    String firstLine(Path netns, Inet4Address target, int port) throws IOException {
        try (SocketChannel ch = connect(netns, target, port, Duration.ofSeconds(2))) {
            return new BufferedReader(new InputStreamReader(ch.socket().getInputStream(), StandardCharsets.UTF_8)).readLine();
        }
    }

    /** The first line, retried until a server answers (a busybox server needs a moment to listen). */
    String firstLineEventually(Path netns, Inet4Address target, int port) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                String line = firstLine(netns, target, port);
                if (line != null) return line;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) throw e;
            }
            if (System.nanoTime() > deadline) throw new IOException("no line from " + target.getHostAddress() + ":" + port);
            sleep(Duration.ofMillis(50));
        }
    }

    /**
     * Time between two swaps of the published ports in {@link #connectWhileSwapping}, about what
     * the agent's programmer takes between passes. Back to back (a fraction of a millisecond each
     * through libnftables), thousands of replacements of the whole ports table under 50
     * connections once left one connection timing out: replacing a table deletes and makes its
     * hooked chains again, and a connection that starts at that instant is not always translated.
     * The VIP table keeps its hooked chains, and its test swaps back to back.
     */
    static final Duration SWAP_PAUSE = Duration.ofMillis(20);

    /**
     * Calls {@code swap} with 0, 1, 2... (at least 10 times, and until {@code connections}
     * connections were made, for at most 20 s, {@code pause} apart) while connections from
     * {@code netns} to {@code target:port} keep coming; asserts each of them got an answer.
     */
    void connectWhileSwapping(Path netns, Inet4Address target, int port, Duration pause, int connections, Swap swap) throws Exception {
        AtomicBoolean swapping = new AtomicBoolean(true);
        AtomicInteger made = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        Thread load = Thread.ofVirtual().start(() -> {
            while (swapping.get()) {
                try {
                    if (firstLine(netns, target, port) == null) failures.add("empty answer");
                } catch (IOException e) {
                    failures.add(e.toString());
                }
                made.incrementAndGet();
            }
        });
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        int swaps = 0;
        try {
            while ((swaps < 10 || made.get() < connections) && System.nanoTime() < deadline) {
                swap.to(swaps++);
                if (pause.isPositive()) sleep(pause);
            }
        } finally {
            swapping.set(false);
            load.join();
        }
        System.out.println(made.get() + " connections during " + swaps + " swaps");
        assertTrue(made.get() >= connections, "connections made while swapping: " + made.get());
        assertEquals(List.of(), failures, "no connection failed while the backends were swapped");
    }

    interface Swap {
        void to(int round) throws IOException;
    }

    /**
     * A TCP and UDP server on {@code port} (any address) in {@code netns} that answers each
     * connection, and each datagram, with {@code name} and the address the client came from.
     */
    void whoServer(Path netns, int port, String name) throws IOException {
        ServerSocketChannel tcp = thread.in(netns, () -> {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET);
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            return s.bind(new InetSocketAddress(port));
        });
        closeAtEnd(tcp);
        DatagramChannel udp = thread.in(netns, () -> DatagramChannel.open(StandardProtocolFamily.INET).bind(new InetSocketAddress(port)));
        closeAtEnd(udp);
        Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    try (SocketChannel c = tcp.accept()) {
                        c.write(who(name, c.getRemoteAddress()));
                    }
                }
            } catch (IOException e) {
                // closed at the end
            }
        });
        Thread.ofVirtual().start(() -> {
            try {
                ByteBuffer in = ByteBuffer.allocate(1500);
                while (true) {
                    SocketAddress from = udp.receive(in.clear());
                    udp.send(who(name, from), from);
                }
            } catch (IOException e) {
                // closed at the end
            }
        });
    }

    private static ByteBuffer who(String name, SocketAddress client) {
        return ByteBuffer.wrap((name + " " + ((InetSocketAddress) client).getAddress().getHostAddress() + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The answer to one datagram sent from {@code netns} to {@code target:port} on a new socket (PortUnreachableException when refused). */
    String udpAnswer(Path netns, Inet4Address target, int port) throws IOException {
        try (DatagramChannel ch = thread.in(netns, () -> DatagramChannel.open(StandardProtocolFamily.INET))) {
            ch.connect(new InetSocketAddress(target, port));
            ch.socket().setSoTimeout(2000);
            ch.write(ByteBuffer.wrap("?".getBytes(StandardCharsets.UTF_8)));
            DatagramPacket answer = new DatagramPacket(new byte[1500], 1500);
            ch.socket().receive(answer);
            return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8).strip();
        }
    }

    /** Closes {@code socket} on {@link #close()}: a socket made in a sandbox keeps its namespace alive. */
    void closeAtEnd(AutoCloseable socket) {
        sockets.add(socket);
    }

    NamespaceThread thread() {
        return thread;
    }

    /** Every link's name in {@code netns}. */
    static List<String> links(Path netns) throws IOException {
        return run(netns, Duration.ofSeconds(10), "ip", "-o", "link", "show").out().lines()
                .map(l -> l.split(":\\s+", 3)[1].split("@")[0]).toList();
    }

    @Override
    public void close() throws IOException {
        List<Exception> failures = new ArrayList<>();
        for (Process p : processes) {
            p.destroyForcibly();
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (AutoCloseable s : sockets) {
            try {
                s.close();
            } catch (Exception e) {
                failures.add(e);
            }
        }
        for (DataPlane p : planes.values()) {
            try {
                p.sweep(Set.of(), Set.of());
            } catch (IOException | RuntimeException e) {
                failures.add(e);
            }
            p.close();
        }
        thread.close();
        try {
            FileTrees.delete(STATE.resolve(net.prefix()));
        } catch (IOException e) {
            failures.add(e);
        }
        net.close();
        if (!failures.isEmpty()) throw new IOException("closing nodes: " + failures.getFirst(), failures.getFirst());
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static List<String> command(Path netns, String... argv) {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "--net=" + netns));
        cmd.addAll(List.of(argv));
        return cmd;
    }

    /** State of runs whose hosts are gone (killed before they closed): swept by a data plane of our own. */
    private static void sweepDeadStateDirs() throws IOException {
        if (!Files.isDirectory(STATE)) return;
        List<Path> dead;
        try (Stream<Path> runs = Files.list(STATE)) {
            dead = runs.filter(r -> !Files.exists(Path.of("/run/netns", r.getFileName() + "-sw"))).toList();
        }
        if (dead.isEmpty()) return;
        // Swept from a scratch namespace: a sweep of everything also removes the node's own parts
        // (gateway bridge, tables) where the data plane lives, and those of the dead run went with its hosts.
        NetworkNamespace scratch = new NetworkNamespace(STATE.resolveSibling("shoal-nettest-sweep-" + ProcessHandle.current().pid()));
        try (NamespaceThread thread = new NamespaceThread(null)) {
            scratch.ensure(thread);
            for (Path run : dead) {
                try (Stream<Path> hosts = Files.list(run)) {
                    for (Path dir : hosts.toList()) {
                        try (DataPlane p = DataPlane.inNamespace(scratch.file(), dir, Ipv4Prefix.inet("127.0.0.1"), List.of())) {
                            p.sweep(Set.of(), Set.of());
                        }
                    }
                }
                FileTrees.delete(run);
            }
        } finally {
            scratch.delete();
        }
    }
}
