package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.Exec;
import io.shoal.testkit.OciResidue;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Published ports and the edges of the swarm, as a user of Docker Swarm meets them: three nodes in
 * network namespaces running runc containers and a fourth host outside the swarm (h4) that plays
 * the user's client and the outside world. The routing mesh answers on every node, the ones
 * without a task included, and spreads over every task; host mode answers only where its task
 * runs and keeps the client's address; a port without tasks refuses; a node's daemon killed and
 * restarted leaves its mesh answering throughout; containers reach the outside
 * through their node unless they are on internal networks only; nothing but published ports is
 * reachable from outside; an encrypted network's traffic is nowhere in clear on the hosts' link;
 * nothing is left behind.
 */
@ExtendWith(Hosts.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PublishedPortsTest {
    static final Duration CONVERGE = Duration.ofSeconds(60);
    static final String PREFIX = "shoal-ports-e2e-";
    /**
     * busybox httpd serving its container's hostname at / and, at /cgi-bin/addr, the address the
     * request came from (its REMOTE_ADDR), one request at a time.
     */
    static final String SERVE = "mkdir -p /www/cgi-bin && hostname > /www/index.html"
            + " && printf '#!/bin/sh\\necho\\necho $REMOTE_ADDR\\n' > /www/cgi-bin/addr && chmod +x /www/cgi-bin/addr"
            + " && exec httpd -f -p 80 -h /www";

    static Path dir;
    static TestNetwork net;
    static TestSwarm swarm;
    static DaemonProcess manager;
    static TestNetwork.Host outside;

    @BeforeAll
    static void swarmOfThreeAndAnOutsideHost() throws Exception {
        dir = Hosts.containersDir(PREFIX);
        net = TestNetwork.create(4);
        outside = net.host(4);
        swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(1, 2).withLaunch(h -> h.daemonOptions().withExecutor("oci")));
        swarm.form();
        Path image = BusyboxImage.build(dir, "busybox");
        for (DaemonProcess d : swarm.daemons()) d.dockerOk("load", "-i", image.toString());
        manager = swarm.daemon(1);
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (swarm != null) {
            for (DaemonProcess d : swarm.daemons()) System.out.println("--- " + d.dataDir() + ":\n" + d.notableLog());
        }
        if (net != null) net.close();
        if (dir != null) OciResidue.sweep(dir);
    }

    @Test
    @Order(1)
    void theRoutingMeshAnswersOnEveryNodeAndReachesEveryTask() throws Exception {
        manager.dockerOk("service", "create", "--detach", "--name", "web", "--replicas", "2", "--publish", "8080:80",
                "--constraint", "node.hostname!=h3", "--stop-grace-period", "1s", "busybox", "sh", "-c", SERVE);
        awaitRunning("web", 2);
        assertEquals("*:8080->80/tcp", manager.dockerOk("service", "ls", "--filter", "name=web", "--format", "{{.Ports}}").trim());
        assertEquals("ingress 8080 80 tcp", manager.dockerOk("service", "inspect", "web", "--format",
                "{{range .Endpoint.Ports}}{{.PublishMode}} {{.PublishedPort}} {{.TargetPort}} {{.Protocol}}{{end}}").trim());
        Set<String> web = hostnames("web");
        for (TestSwarm.Node n : swarm.nodes()) {
            Set<String> answered = new TreeSet<>();
            try {
                eventually(Duration.ofSeconds(10), () -> !get(n.host().address(), 8080, "/").isEmpty());
            } catch (AssertionError e) {
                throw new AssertionError("nothing answers on " + n.name() + ":8080; its tables:\n"
                        + hostCommand(n.daemon(), "nft", "list", "ruleset") + hostCommand(n.daemon(), "ip", "-o", "addr"), e);
            }
            for (int i = 0; i < 20 && answered.size() < web.size(); i++) answered.add(get(n.host().address(), 8080, "/"));
            assertEquals(web, answered, "from outside through " + n.name() + " (h3 runs no task of web): every task answers");
        }
    }

    @Test
    @Order(2)
    void hostModeAnswersOnlyWhereItsTaskRunsAndKeepsTheClientsAddress() throws Exception {
        manager.dockerOk("service", "create", "--detach", "--name", "edge", "--publish", "mode=host,published=8081,target=80",
                "--constraint", "node.hostname==h2", "--stop-grace-period", "1s", "busybox", "sh", "-c", SERVE);
        awaitRunning("edge", 1);
        String h2 = net.host(2).address();
        eventually(Duration.ofSeconds(10), () -> !get(h2, 8081, "/").isEmpty());
        assertEquals(hostnames("edge"), Set.of(get(h2, 8081, "/")));
        assertEquals("[::ffff:" + outside.address() + "]", get(h2, 8081, "/cgi-bin/addr"),
                "the task sees the client's own address (httpd writes it IPv4-mapped)");
        for (int n : List.of(1, 3)) {
            assertThrows(ConnectException.class, () -> connect(net.host(n).address(), 8081), "no task of edge on h" + n);
        }

        // A second task cannot take the same port on h2: it waits, saying why.
        manager.dockerOk("service", "scale", "--detach", "edge=2");
        eventually(CONVERGE, () -> ps("edge").contains("host-mode port already in use on 1 node"));
        assertEquals(1, runningTasks(manager, "edge").size());
        manager.dockerOk("service", "rm", "edge");
    }

    @Test
    @Order(3)
    void aPublishedPortWithoutTasksRefusesAtOnce() throws Exception {
        manager.dockerOk("service", "scale", "--detach", "web=0");
        eventually(CONVERGE, () -> runningTasks(manager, "web").isEmpty());
        String h3 = net.host(3).address();
        eventually(Duration.ofSeconds(10), () -> refuses(h3, 8080));
        long started = System.nanoTime();
        assertThrows(ConnectException.class, () -> connect(h3, 8080));
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1), "refused, not left to time out");
        manager.dockerOk("service", "scale", "--detach", "web=2");
        awaitRunning("web", 2);
        eventually(Duration.ofSeconds(10), () -> !get(h3, 8080, "/").isEmpty());
    }

    @Test
    @Order(4)
    void aNodeWhoseDaemonRestartsKeepsAnsweringAndAdoptsItsTables() throws Exception {
        DaemonProcess h3 = swarm.daemon(3);
        String address = net.host(3).address();
        Set<String> web = hostnames("web");
        String before = hostCommand(h3, "nft", "list", "ruleset");
        h3.kill9();
        try {
            assertTrue(web.contains(get(address, 8080, "/")), "the kernel keeps serving the mesh while h3's daemon is dead");
        } finally {
            h3.start();
        }
        eventually(CONVERGE, () -> "Ready".equals(TestSwarm.nodeStatus(manager).get("h3")));
        // Its start sweeps the node's parts before its views arrive and makes them again from them.
        eventually(Duration.ofSeconds(10), () -> web.contains(get(address, 8080, "/")));
        Set<String> answered = new TreeSet<>();
        for (int i = 0; i < 20 && answered.size() < web.size(); i++) answered.add(get(address, 8080, "/"));
        assertEquals(web, answered, "and the restarted node's mesh reaches every task");
        assertEquals(before, hostCommand(h3, "nft", "list", "ruleset"), "its tables are the same, none added twice");
    }

    @Test
    @Order(5)
    void containersReachTheOutsideUnlessTheirNetworksAreInternal() throws Exception {
        manager.dockerOk("network", "create", "-d", "overlay", "appnet");
        manager.dockerOk("network", "create", "-d", "overlay", "--internal", "sealed");
        for (String[] s : List.of(new String[] {"onnet", "appnet"}, new String[] {"bare", null}, new String[] {"closed", "sealed"})) {
            List<String> args = new ArrayList<>(List.of("service", "create", "--detach", "--name", s[0],
                    "--constraint", "node.hostname==h1", "--stop-grace-period", "1s"));
            if (s[1] != null) args.addAll(List.of("--network", s[1]));
            args.addAll(List.of("busybox", "sleep", "100000"));
            manager.dockerOk(args.toArray(String[]::new));
        }
        for (String s : List.of("onnet", "bare", "closed")) awaitRunning(s, 1);

        ServerSocket server = outside.listen(9000);
        for (String s : List.of("onnet", "bare")) {
            CompletableFuture<String> from = CompletableFuture.supplyAsync(() -> acceptOne(server));
            String sent = inside(s, "sh", "-c", "echo hello from " + s + " | nc -w 3 " + outside.address() + " 9000 && echo sent");
            assertTrue(sent.contains("sent"), s + " connected out: " + sent);
            assertEquals(net.host(1).address() + " hello from " + s, from.get(10, TimeUnit.SECONDS),
                    s + " reaches the outside host from its node's address");
        }
        var closed = Exec.run(nsenter("closed", "sh", "-c", "echo x | nc -w 2 " + outside.address() + " 9000"), null,
                Duration.ofSeconds(15));
        assertTrue(closed.exit() != 0, "a container on internal networks only has no way out: " + closed.out() + closed.err());
    }

    @Test
    @Order(6)
    void onlyPublishedPortsAreReachableFromOutside() throws Exception {
        // The outside host routes the containers' ranges through h1, as a neighbour on its link could.
        String h1 = net.host(1).address();
        outside.exec(Duration.ofSeconds(10), "ip", "route", "add", "172.16.0.0/12", "via", h1);
        outside.exec(Duration.ofSeconds(10), "ip", "route", "add", "10.0.0.0/16", "via", h1);
        String webOnH1 = runningTasks(manager, "web").stream().filter(t -> nodeOf(t).equals("h1")).findFirst().orElseThrow();
        for (String address : addressesInside(webOnH1)) {
            assertFalse(outside.canConnect(address, 80, Duration.ofSeconds(2)), "web's task at " + address + " is not reachable from outside");
        }
        assertFalse(get(h1, 8080, "/").isEmpty(), "its published port is");
    }

    @Test
    @Order(7)
    void anEncryptedNetworksTrafficIsNotInClearOnTheWire() throws Exception {
        manager.dockerOk("network", "create", "-d", "overlay", "--opt", "encrypted", "secretnet");
        manager.dockerOk("network", "create", "-d", "overlay", "plainnet");
        assertTrue(manager.dockerOk("network", "inspect", "secretnet", "--format", "{{json .Options}}").contains("\"encrypted\":\"\""));
        manager.dockerOk("service", "create", "--detach", "--name", "srv", "--network", "secretnet", "--network", "plainnet",
                "--constraint", "node.hostname==h2", "--stop-grace-period", "1s", "busybox", "sh", "-c", SERVE);
        manager.dockerOk("service", "create", "--detach", "--name", "snd", "--network", "secretnet", "--network", "plainnet",
                "--constraint", "node.hostname==h1", "--stop-grace-period", "1s", "busybox", "sleep", "100000");
        awaitRunning("srv", 1);
        awaitRunning("snd", 1);
        String srv = runningTasks(manager, "srv").iterator().next();
        String secret = addressOn(srv, "secretnet"), plain = addressOn(srv, "plainnet");

        // A capture on h2's link to the other hosts while h1's container sends a marker to h2's over each network.
        Path pcap = dir.resolve("link.pcap");
        Path log = dir.resolve("tcpdump.log");
        Process capture = net.host(2).start(log, "tcpdump", "-i", "eth0", "-U", "--immediate-mode", "-s", "0", "-w", pcap.toString(), "udp");
        eventually(Duration.ofSeconds(10), () -> read(log).contains("listening on"));
        String secretMarker = "SHOAL-SECRET-" + System.nanoTime(), plainMarker = "SHOAL-PLAIN-" + System.nanoTime();
        eventually(Duration.ofSeconds(20), () -> sends("snd", secret, secretMarker));
        eventually(Duration.ofSeconds(20), () -> sends("snd", plain, plainMarker));
        capture.destroy();
        capture.waitFor(10, TimeUnit.SECONDS);
        String wire = new String(Files.readAllBytes(pcap), StandardCharsets.ISO_8859_1);
        assertTrue(wire.contains(plainMarker), "the plain overlay's VXLAN carries the request in clear (the capture works)");
        assertFalse(wire.contains(secretMarker), "the encrypted network's request is nowhere in clear on the link");
        for (String s : List.of("srv", "snd")) manager.dockerOk("service", "rm", s);
    }

    @Test
    @Order(8)
    void nothingIsLeftBehind() throws Exception {
        for (String s : List.of("web", "onnet", "bare", "closed")) manager.dockerOk("service", "rm", s);
        for (DaemonProcess d : swarm.daemons()) {
            eventually(CONVERGE, () -> namespaces(d).isEmpty() && !nft(d).contains("shoal_ports"));
        }
        manager.dockerOk("network", "rm", "appnet", "sealed", "secretnet", "plainnet");
        eventually(CONVERGE, () -> ProcessHandle.allProcesses().noneMatch(p -> p.info().command().orElse("").endsWith("wireguard-go")));
        DaemonProcess h1 = swarm.daemon(1);
        h1.dockerOk("swarm", "leave", "--force");
        eventually(CONVERGE, () -> !nft(h1).contains("shoal") && !links(h1).contains("shoal"));
    }

    // ---- from outside

    /** What an HTTP GET of {@code path} from the outside host answers (its last line), or "" when it fails. */
    static String get(String address, int port, String path) {
        try (Socket s = connect(address, port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            List<String> lines = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            return lines.isEmpty() ? "" : lines.getLast().strip();
        } catch (IOException e) {
            return "";
        }
    }

    static Socket connect(String address, int port) throws IOException {
        return outside.connect(address, port, Duration.ofSeconds(3));
    }

    static boolean refuses(String address, int port) {
        try (Socket s = connect(address, port)) {
            return false;
        } catch (ConnectException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The remote address and the first line of one connection to {@code server}. */
    static String acceptOne(ServerSocket server) {
        try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
            s.setSoTimeout(5000);
            String line = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return s.getInetAddress().getHostAddress() + " " + line;
        } catch (IOException e) {
            return e.toString();
        }
    }

    // ---- inside containers

    /** Whether the service's container got an HTTP answer from {@code address} for a request naming {@code marker}. */
    static boolean sends(String service, String address, String marker) {
        try {
            var r = Exec.run(nsenter(service, "sh", "-c", "printf 'GET /" + marker + " HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + address + " 80"),
                    null, Duration.ofSeconds(15));
            return r.exit() == 0 && r.out().contains("HTTP/1");
        } catch (Exception e) {
            return false;
        }
    }

    /** The task's address on the named network. */
    static String addressOn(String task, String network) throws Exception {
        String out = manager.dockerOk("inspect", "--type", "task", task, "--format",
                "{{range .NetworksAttachments}}{{.Network.Spec.Name}}={{range .Addresses}}{{.}}{{end}} {{end}}");
        for (String pair : out.trim().split(" ")) {
            if (pair.startsWith(network + "=")) return pair.substring(network.length() + 1, pair.indexOf('/'));
        }
        throw new AssertionError(task + " has no address on " + network + ": " + out);
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    static String inside(String service, String... argv) throws Exception {
        var r = Exec.run(nsenter(service, argv), null, Duration.ofSeconds(15));
        if (r.exit() != 0) throw new AssertionError(String.join(" ", argv) + " exited " + r.exit() + ": " + r.out() + r.err());
        return r.out();
    }

    static List<String> nsenter(String service, String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid(runningTasks(manager, service).iterator().next())), "-a"));
        cmd.addAll(List.of(argv));
        return cmd;
    }

    /** Every IPv4 address of the task's container but loopback. */
    static List<String> addressesInside(String task) throws Exception {
        var r = Exec.run(List.of("nsenter", "-t", Long.toString(pid(task)), "-n", "ip", "-o", "-4", "addr"), null, Duration.ofSeconds(10));
        List<String> out = new ArrayList<>();
        for (String line : r.out().lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && !f[1].equals("lo")) out.add(f[3].substring(0, f[3].indexOf('/')));
        }
        assertTrue(out.size() >= 2, "an ingress and a gateway address: " + r.out());
        return out;
    }

    static long pid(String task) throws Exception {
        return Long.parseLong(manager.dockerOk("inspect", "--type", "task", task, "--format", "{{.Status.ContainerStatus.PID}}").trim());
    }

    static Set<String> hostnames(String service) throws Exception {
        Set<String> out = new TreeSet<>();
        for (String t : runningTasks(manager, service)) {
            out.add(Exec.run(List.of("nsenter", "-t", Long.toString(pid(t)), "-u", "hostname"), null, Duration.ofSeconds(10)).out().strip());
        }
        return out;
    }

    // ---- what the swarm and the nodes say

    static String nodeOf(String task) {
        try {
            String node = manager.dockerOk("inspect", "--type", "task", task, "--format", "{{.NodeID}}").trim();
            return manager.dockerOk("node", "inspect", node, "--format", "{{.Description.Hostname}}").trim();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static String ps(String service) {
        try {
            return manager.dockerOk("service", "ps", "--no-trunc", service);
        } catch (Exception e) {
            return e.toString();
        }
    }

    static void awaitRunning(String service, int n) {
        try {
            eventually(CONVERGE, () -> runningTasks(manager, service).size() == n);
        } catch (AssertionError e) {
            throw new AssertionError(service + " did not reach " + n + " running tasks:\n" + ps(service), e);
        }
    }

    /** The nftables tables in the daemon's namespace. */
    static String nft(DaemonProcess d) {
        return hostCommand(d, "nft", "list", "tables");
    }

    static String links(DaemonProcess d) {
        return hostCommand(d, "ip", "-o", "link");
    }

    static String hostCommand(DaemonProcess d, String... argv) {
        TestNetwork.Host h = swarm.nodes().stream().filter(n -> n.daemon() == d).findFirst().orElseThrow().host();
        try {
            return h.exec(Duration.ofSeconds(10), argv).out();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** The network namespaces a daemon's data plane holds (sandboxes and networks). */
    static List<String> namespaces(DaemonProcess d) {
        return OverlayNetworkTest.namespaces(d);
    }
}
