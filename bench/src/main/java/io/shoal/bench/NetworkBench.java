package io.shoal.bench;

import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.common.Ipv4Prefix;
import io.shoal.common.wireguard.Key;
import io.shoal.network.DataPlane;
import io.shoal.network.OverlaySpec;
import io.shoal.network.Peer;
import io.shoal.network.TunnelKeys;
import io.shoal.network.TunnelPeer;
import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.Exec;
import io.shoal.testkit.Netns;
import io.shoal.testkit.OciResidue;
import io.shoal.testkit.ServicePs;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Overlay networks, each figure beside its baseline from the same run:
 * <ul>
 * <li>TCP throughput between two sandboxes (the namespaces containers join) on two hosts over the
 *     overlay (veth, bridge, VXLAN, the hosts' link) beside the same transfer between the two hosts
 *     directly over that link (target ≥ 0.8×), and over an encrypted overlay (userspace WireGuard)
 *     beside the plain one;
 * <li>how long after a task reports RUNNING on one node a container on another node resolves it
 *     ({@code tasks.web} from its sandbox's 127.0.0.11) and gets an HTTP answer from it (target
 *     median ≤ 200 ms);
 * <li>HTTP requests per second and latency through the routing mesh, from a host outside the swarm
 *     to a node without the task, beside the same load straight to the task's address (target ≥ 0.8×);
 * <li>50 replicas on an overlay network running, beside 50 without one, on a two-node swarm of runc
 *     containers (target ≤ 1.2×).
 * </ul>
 */
final class NetworkBench {
    private static final long TRANSFER_BYTES = 1L << 30;
    private static final long ENCRYPTED_BYTES = 64L << 20;
    private static final int ROUNDS = 3;
    private static final int LATENCY_ROUNDS = 10;
    private static final int REPLICAS = 50;
    /** Rounds of each convergence: one round's time moves by a quarter from run to run on this machine. */
    private static final int CONVERGENCE_ROUNDS = 5;
    private static final Duration WRK_DURATION = Duration.ofSeconds(8);
    private static final Duration CONVERGE = Duration.ofSeconds(120);

    private NetworkBench() {}

    static void run() throws Exception {
        run(true);
    }

    /** Only the convergence on a network beside none (the swarm formed, no throughput, discovery or mesh). */
    static void convergenceOnly() throws Exception {
        run(false);
    }

    private static void run(boolean all) throws Exception {
        System.out.println("\n== Overlay networks: " + (all ? "throughput, discovery latency, routing mesh, " : "") + "convergence"
                + " (hosts in network namespaces)");
        var reason = TestNetwork.unavailableReason().or(DataPlane::unavailableReason);
        if (reason.isPresent()) {
            System.out.println("skipped: " + reason.get());
            return;
        }
        // NIO's first channel pins the namespace it is made in: make it here, not in a sandbox.
        DatagramChannel.open().close();
        TestNetwork.sweepLeftovers();
        if (all) throughput();
        if (!OciExecutor.available() || BusyboxImage.script().isEmpty()) {
            System.out.println("discovery and convergence skipped: they need root, runc and bin/busybox-image");
            return;
        }
        swarm(all);
    }

    // ---- throughput: the data plane alone, no daemon

    private static void throughput() throws Exception {
        Path dir = Files.createTempDirectory("shoal-bench-net-");
        try (TestNetwork net = TestNetwork.create(2)) {
            TestNetwork.Host h1 = net.host(1), h2 = net.host(2);
            OverlaySpec plain = new OverlaySpec("benchnet", 4242, Ipv4Prefix.parse("10.77.0.0/24"), Ipv4Prefix.inet("10.77.0.1"),
                    0, DataPlane.DEFAULT_VXLAN_PORT);
            OverlaySpec secret = new OverlaySpec("benchsecret", 4243, Ipv4Prefix.parse("10.78.0.0/24"), Ipv4Prefix.inet("10.78.0.1"),
                    0, DataPlane.DEFAULT_VXLAN_PORT, true);
            try (DataPlane p1 = DataPlane.inNamespace(h1.netnsPath(), dir.resolve("h1"), Ipv4Prefix.inet(h1.address()), List.of());
                 DataPlane p2 = DataPlane.inNamespace(h2.netnsPath(), dir.resolve("h2"), Ipv4Prefix.inet(h2.address()), List.of())) {
                Path a = pair(p1, "a", plain, 2, h2), b = pair(p2, "b", plain, 3, h1);
                transfer(a, b, "10.77.0.3", TRANSFER_BYTES); // warm-up: ARP, JIT
                double[] overlay = new double[ROUNDS], underlay = new double[ROUNDS];
                for (int i = 0; i < ROUNDS; i++) {
                    overlay[i] = transfer(a, b, "10.77.0.3", TRANSFER_BYTES);
                    underlay[i] = transfer(h1.netnsPath(), h2.netnsPath(), h2.address(), TRANSFER_BYTES);
                }
                double o = median(overlay), u = median(underlay);
                System.out.printf("TCP, 1 GiB one way, median of %d: sandbox to sandbox over the overlay %.2f Gbit/s, "
                        + "host to host over the link %.2f Gbit/s; ratio %.2f (target ≥ 0.8)%n", ROUNDS, o, u, o / u);
                System.out.printf("  rounds overlay %s, underlay %s Gbit/s%n", Arrays.toString(overlay), Arrays.toString(underlay));

                if (DataPlane.encryptionUnavailableReason().isPresent()) {
                    System.out.println("encrypted overlay skipped: " + DataPlane.encryptionUnavailableReason().get());
                } else {
                    Key psk = Key.generatePreshared();
                    TunnelKeys k1 = new TunnelKeys(Key.generatePrivate(), psk), k2 = new TunnelKeys(Key.generatePrivate(), psk);
                    List<TunnelPeer> tunnels = List.of(new TunnelPeer(Ipv4Prefix.inet(h1.address()), k1.privateKey().publicKey()),
                            new TunnelPeer(Ipv4Prefix.inet(h2.address()), k2.privateKey().publicKey()));
                    p1.ensureNetwork(secret, k1);
                    p2.ensureNetwork(secret, k2);
                    p1.setTunnelPeers(secret.networkId(), tunnels);
                    p2.setTunnelPeers(secret.networkId(), tunnels);
                    Path c = pair(p1, "c", secret, 2, h2), d = pair(p2, "d", secret, 3, h1);
                    transfer(c, d, "10.78.0.3", ENCRYPTED_BYTES);
                    double[] encrypted = new double[ROUNDS], clear = new double[ROUNDS];
                    for (int i = 0; i < ROUNDS; i++) {
                        encrypted[i] = transfer(c, d, "10.78.0.3", ENCRYPTED_BYTES);
                        clear[i] = transfer(a, b, "10.77.0.3", ENCRYPTED_BYTES);
                    }
                    System.out.printf("TCP, 64 MiB one way, median of %d: over an encrypted overlay (userspace WireGuard) %.3f Gbit/s, "
                            + "over the plain overlay %.2f Gbit/s; ratio %.3f%n  rounds encrypted %s, plain %s Gbit/s%n", ROUNDS,
                            median(encrypted), median(clear), median(encrypted) / median(clear), Arrays.toString(encrypted),
                            Arrays.toString(clear));
                    for (DataPlane p : List.of(p1, p2)) p.removeNetwork(secret.networkId());
                }
                p1.removeSandbox("a");
                p2.removeSandbox("b");
                p1.removeNetwork(plain.networkId());
                p2.removeNetwork(plain.networkId());
            }
        } finally {
            OciResidue.sweep(dir);
        }
    }

    /**
     * A sandbox on {@code n} at {@code .host} of its subnet, with the peer at the other address of
     * the pair (2 and 3) on {@code other}; the network must exist already when it is encrypted.
     */
    private static Path pair(DataPlane p, String sandbox, OverlaySpec n, int host, TestNetwork.Host other) throws IOException {
        p.ensureNetwork(n);
        Path ns = p.ensureSandbox(sandbox);
        int base = n.subnet().address();
        p.attach(sandbox, n, 0, new Ipv4Prefix(base + host, 24));
        p.setPeers(n.networkId(), List.of(new Peer(Ipv4Prefix.inet(base + 5 - host), Ipv4Prefix.inet(other.address()))));
        return ns;
    }

    private static double median(double[] rounds) {
        double[] sorted = rounds.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Sends {@code bytes} from a socket in {@code from} to a listener in {@code to}; Gbit/s. */
    private static double transfer(Path from, Path to, String address, long bytes) throws Exception {
        InetSocketAddress at = new InetSocketAddress(address, 5201);
        try (ServerSocketChannel server = Netns.call(to, () -> ServerSocketChannel.open().bind(at));
             SocketChannel client = Netns.call(from, SocketChannel::open)) {
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> drain(server));
            client.connect(at);
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            long t0 = System.nanoTime();
            for (long sent = 0; sent < bytes; ) {
                buf.clear();
                sent += client.write(buf);
            }
            client.shutdownOutput();
            long got = received.get();
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (got < bytes) throw new IOException("received " + got + " of " + bytes + " bytes");
            return Math.round(got * 8 / seconds / 1e6) / 1000.0;
        }
    }

    private static long drain(ServerSocketChannel server) {
        try (SocketChannel c = server.accept()) {
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            long total = 0;
            for (int n; (n = c.read(buf.clear())) >= 0; ) total += n;
            return total;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- a two-node swarm of runc containers

    private static void swarm(boolean all) throws Exception {
        Path dir = Files.createTempDirectory("shoal-bench-net-swarm-");
        try (TestNetwork net = TestNetwork.create(3)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(1, 1).withLaunch(h -> h.daemonOptions().withExecutor("oci")));
            swarm.form();
            Path image = BusyboxImage.build(dir, "busybox");
            for (DaemonProcess d : swarm.daemons()) d.dockerOk("load", "-i", image.toString());
            DaemonProcess manager = swarm.daemon(1);
            manager.dockerOk("network", "create", "-d", "overlay", "appnet");
            if (all) {
                discovery(manager);
                mesh(manager, net);
            } else {
                // The daemons' JIT warms up on the other parts in a full run: here on two rounds of each, not
                // counted (after one, the overlay's CPU still fell round after round: 5.1, 3.1, 2.5, 2.5 s).
                for (int i = 0; i < 2; i++) {
                    converge(swarm.daemons(), manager, List.of());
                    converge(swarm.daemons(), manager, List.of("--network", "appnet"));
                }
            }
            convergence(swarm.daemons(), manager);
            if (!all) withoutVip(swarm.daemons(), manager);
        } finally {
            OciResidue.sweep(dir);
        }
    }

    /**
     * RUNNING on h2 → resolvable and answering from a container on h1: the poll starts as the
     * scale-up is sent, so the figure is the swarm's and not the bench's own detection.
     */
    private static void discovery(DaemonProcess manager) throws Exception {
        manager.dockerOk("service", "create", "--detach", "--name", "client", "--network", "appnet",
                "--constraint", "node.hostname==h1", "busybox", "sleep", "100000");
        manager.dockerOk("service", "create", "--detach", "--name", "web", "--network", "appnet", "--replicas", "0",
                "--constraint", "node.hostname==h2", "--stop-grace-period", "1s", "busybox", "sh", "-c",
                "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www");
        DaemonProcess.eventually(CONVERGE, () -> running(manager, "client").size() == 1);
        Path sandbox = manager.dataDir().resolve("network/sandboxes").resolve(running(manager, "client").getFirst());
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < LATENCY_ROUNDS; i++) {
            CompletableFuture<Instant> served = CompletableFuture.supplyAsync(() -> awaitServed(sandbox));
            manager.dockerOk("service", "scale", "--detach", "web=1");
            Instant at = served.get();
            String task = running(manager, "web").getFirst();
            Instant runningAt = Instant.parse(manager.dockerOk("inspect", "--type", "task", task, "--format",
                    "{{json .Status.Timestamp}}").trim().replace("\"", ""));
            millis.add(Duration.between(runningAt, at).toMillis());
            manager.dockerOk("service", "scale", "--detach", "web=0");
            DaemonProcess.eventually(CONVERGE, () -> running(manager, "web").isEmpty() && resolved(sandbox).isEmpty());
        }
        List<Long> sorted = millis.stream().sorted().toList();
        System.out.printf("task RUNNING on h2 → tasks.web resolves to it and it answers HTTP, from a container on h1: "
                + "median %d ms, max %d ms over %d rounds (target median ≤ 200 ms)%n  rounds %s ms%n",
                sorted.get(sorted.size() / 2), sorted.getLast(), sorted.size(), millis);
        manager.dockerOk("service", "rm", "client", "web");
    }

    /** Polls the sandbox's resolver for {@code tasks.web} and an HTTP answer from what it names. */
    private static Instant awaitServed(Path sandbox) {
        try {
            return Netns.call(sandbox, () -> {
                long deadline = System.nanoTime() + CONVERGE.toNanos();
                while (System.nanoTime() < deadline) {
                    for (String address : lookup()) {
                        if (answers(address)) return Instant.now();
                    }
                    Thread.sleep(5);
                }
                throw new IllegalStateException("tasks.web never resolved to a task that answered");
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> resolved(Path sandbox) {
        try {
            return Netns.call(sandbox, NetworkBench::lookup);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The A records for {@code tasks.web} from 127.0.0.11, in the calling thread's namespace. */
    private static List<String> lookup() throws IOException {
        byte[] query = Message.newQuery(Record.newRecord(Name.fromString("tasks.web."), Type.A, DClass.IN)).toWire();
        try (DatagramSocket dns = new DatagramSocket()) {
            dns.setSoTimeout(200);
            dns.send(new DatagramPacket(query, query.length, new InetSocketAddress("127.0.0.11", 53)));
            DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
            dns.receive(reply);
            List<String> found = new ArrayList<>();
            for (Record r : new Message(Arrays.copyOf(reply.getData(), reply.getLength())).getSection(Section.ANSWER)) {
                if (r instanceof ARecord a) found.add(a.getAddress().getHostAddress());
            }
            return found;
        } catch (SocketTimeoutException e) {
            return List.of();
        }
    }

    private static boolean answers(String address) {
        try (Socket c = new Socket()) {
            c.connect(new InetSocketAddress(address, 80), 200);
            c.setSoTimeout(500);
            c.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            return c.getInputStream().read() >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * HTTP through the routing mesh from a host outside the swarm (h3) to the node that runs no
     * task (h2), beside the same load from h1, where the task runs, straight to its container's
     * address; wrk, with kept-alive connections and with a new connection per request.
     */
    private static void mesh(DaemonProcess manager, TestNetwork net) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/wrk"))) {
            System.out.println("routing mesh skipped: wrk is not installed (apt-get install wrk)");
            return;
        }
        manager.dockerOk("service", "create", "--detach", "--name", "front", "--publish", "8080:80",
                "--constraint", "node.hostname==h1", "--stop-grace-period", "1s", "busybox", "sh", "-c",
                "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www");
        DaemonProcess.eventually(CONVERGE, () -> running(manager, "front").size() == 1);
        String pid = manager.dockerOk("inspect", "--type", "task", running(manager, "front").getFirst(), "--format",
                "{{.Status.ContainerStatus.PID}}").trim();
        String direct = gatewayAddress(pid);
        TestNetwork.Host h1 = net.host(1), outside = net.host(3);
        String viaMesh = "http://" + net.host(2).address() + ":8080/";
        DaemonProcess.eventually(CONVERGE, () -> wrk(outside, viaMesh, false, Duration.ofSeconds(1)).requests() > 0);
        for (boolean close : List.of(false, true)) {
            Wrk mesh = wrk(outside, viaMesh, close, WRK_DURATION);
            Wrk straight = wrk(h1, "http://" + direct + ":80/", close, WRK_DURATION);
            System.out.printf("HTTP GET (busybox httpd), wrk 1 thread x 8 connections %s, %d s: through the routing mesh from outside "
                    + "to a node without the task %.0f req/s (p50 %s, p99 %s), straight to the task's address from its node %.0f req/s "
                    + "(p50 %s, p99 %s); ratio %.2f (target ≥ 0.8; Docker Swarm's routing mesh needs IPVS, which this kernel lacks: "
                    + "nothing answers there)%n", close ? "new connection per request" : "kept alive", WRK_DURATION.toSeconds(),
                    mesh.requests(), mesh.p50(), mesh.p99(), straight.requests(), straight.p50(), straight.p99(),
                    mesh.requests() / straight.requests());
        }
        manager.dockerOk("service", "rm", "front");
    }

    private record Wrk(double requests, String p50, String p99) {}

    private static Wrk wrk(TestNetwork.Host from, String url, boolean close, Duration duration) {
        List<String> argv = new ArrayList<>(List.of("wrk", "-t1", "-c8", "-d" + duration.toSeconds() + "s", "--latency"));
        if (close) argv.addAll(List.of("-H", "Connection: close"));
        argv.add(url);
        try {
            String out = from.exec(duration.plusSeconds(30), argv.toArray(String[]::new)).out();
            return new Wrk(number(out, "Requests/sec:"), word(out, "50%"), word(out, "99%"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double number(String out, String label) {
        String w = word(out, label);
        return w.equals("?") ? 0 : Double.parseDouble(w);
    }

    /** The word after {@code label} at the start of one of wrk's lines. */
    private static String word(String out, String label) {
        for (String line : out.lines().toList()) {
            String t = line.strip();
            if (t.startsWith(label)) return t.substring(label.length()).strip().split("\\s+")[0];
        }
        return "?";
    }

    /** The container's address on the node's gateway bridge, read inside its network namespace. */
    private static String gatewayAddress(String pid) throws IOException {
        String out = Exec.run(List.of("nsenter", "-t", pid, "-n", "ip", "-o", "-4", "addr"), null, Duration.ofSeconds(10)).out();
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && f[3].startsWith("172.")) return f[3].substring(0, f[3].indexOf('/'));
        }
        throw new IOException("no gateway address in the container: " + out);
    }

    /**
     * 50 replicas to running on the two nodes, on appnet and on no network, alternately; beside
     * the time, the CPU the two daemons and the processes they ran used meanwhile, which the
     * other load on a shared machine moves less.
     */
    private static void convergence(List<DaemonProcess> nodes, DaemonProcess manager) throws Exception {
        List<Converged> withNet = new ArrayList<>(), without = new ArrayList<>();
        for (int i = 0; i < CONVERGENCE_ROUNDS; i++) {
            without.add(converge(nodes, manager, List.of()));
            withNet.add(converge(nodes, manager, List.of("--network", "appnet")));
        }
        double w = medianSeconds(withNet), wo = medianSeconds(without);
        double wCpu = medianCpu(withNet), woCpu = medianCpu(without);
        System.out.printf("%d replicas running after service create (medians of %d rounds): on an overlay network %.2f s, on none %.2f s; "
                + "ratio %.2f (target ≤ 1.2; Docker Swarm here: 13.1 s for 50 on an overlay with a published port)%n"
                + "  rounds overlay %s%n  rounds none    %s%n"
                + "  daemons' CPU (with the processes they ran) until all ran: overlay %.1f s, none %.1f s; ratio %.2f; "
                + "%.0f ms more per task on the overlay%n",
                REPLICAS, CONVERGENCE_ROUNDS, w, wo, w / wo, withNet, without, wCpu / 1000, woCpu / 1000, wCpu / woCpu, (wCpu - woCpu) / REPLICAS);
    }

    /**
     * What the VIP costs: the same convergence on the overlay with {@code --endpoint-mode dnsrr}
     * (no VIP, so no sandbox's VIP table changes as the tasks start) beside the VIP's.
     */
    private static void withoutVip(List<DaemonProcess> nodes, DaemonProcess manager) throws Exception {
        List<Converged> vip = new ArrayList<>(), dnsrr = new ArrayList<>();
        for (int i = 0; i < CONVERGENCE_ROUNDS; i++) {
            dnsrr.add(converge(nodes, manager, List.of("--network", "appnet", "--endpoint-mode", "dnsrr")));
            vip.add(converge(nodes, manager, List.of("--network", "appnet")));
        }
        System.out.printf("on the overlay, VIP / dnsrr (no VIP table changes), medians: %.2f / %.2f s, daemons' CPU %.1f / %.1f s%n"
                + "  rounds VIP   %s%n  rounds dnsrr %s%n", medianSeconds(vip), medianSeconds(dnsrr),
                medianCpu(vip) / 1000, medianCpu(dnsrr) / 1000, vip, dnsrr);
    }

    /** One convergence: seconds from service create to the last task's RUNNING, and each daemon's CPU meanwhile (the manager's first). */
    private record Converged(double seconds, List<Long> cpuMillisByNode) {
        long cpuMillis() {
            return cpuMillisByNode.stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public String toString() {
            return seconds + " s " + cpuMillisByNode + " ms CPU";
        }
    }

    private static double medianSeconds(List<Converged> rounds) {
        return median(rounds.stream().mapToDouble(Converged::seconds).toArray());
    }

    private static double medianCpu(List<Converged> rounds) {
        return median(rounds.stream().mapToDouble(Converged::cpuMillis).toArray());
    }

    private static List<Long> cpu(List<DaemonProcess> nodes) {
        return nodes.stream().map(d -> Procs.cpuMillisWithChildren(d.pid())).toList();
    }

    /**
     * Until the last task's RUNNING status time (the agents' clocks, this machine's), polled through
     * one kept-alive API connection rather than a docker process every 50 ms: a CLI process per poll
     * is CPU taken from the containers starting, and its interval would blur the figure.
     */
    private static Converged converge(List<DaemonProcess> nodes, DaemonProcess manager, List<String> network) throws Exception {
        List<String> args = new ArrayList<>(List.of("service", "create", "--detach", "--name", "many", "--replicas",
                Integer.toString(REPLICAS), "--stop-signal", "SIGKILL"));
        args.addAll(network);
        args.addAll(List.of("busybox", "sleep", "100000"));
        List<Long> cpu0 = cpu(nodes);
        Instant created = Instant.now();
        manager.dockerOk(args.toArray(String[]::new));
        Map<String, TaskWatch.Obs> tasks = TaskWatch.await(manager.http(), "many", REPLICAS, TaskWatch.PROGRESS_POLL_MILLIS, false);
        Instant last = tasks.values().stream().map(o -> o.running).max(Comparator.naturalOrder()).orElseThrow();
        List<Long> cpu1 = cpu(nodes);
        List<Long> cpu = new ArrayList<>();
        for (int i = 0; i < cpu1.size(); i++) cpu.add(cpu1.get(i) - cpu0.get(i));
        manager.dockerOk("service", "rm", "many");
        DaemonProcess.eventually(CONVERGE, () -> nodes.stream().allMatch(NetworkBench::noContainers));
        return new Converged(Math.round(Duration.between(created, last).toMillis() / 10.0) / 100.0, cpu);
    }

    private static boolean noContainers(DaemonProcess d) {
        try {
            return d.dockerOk("ps", "-q").isBlank();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static List<String> running(DaemonProcess d, String service) {
        return new ArrayList<>(ServicePs.runningTasks(d, service));
    }

    private static long runningCount(DaemonProcess d, String service) {
        return ServicePs.runningCount(d, service);
    }
}
