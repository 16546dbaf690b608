package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.DnsUpstream;
import io.shoal.testkit.Exec;
import io.shoal.testkit.OciResidue;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Overlay networks end to end, as a user of Docker Swarm meets them: three managers in network
 * namespaces running runc containers, services on overlay networks created with the docker CLI,
 * and what a container sees from inside (busybox's nslookup and nc, run in its namespaces): names
 * answered by the node's resolver, VIPs spread over every task cluster-wide, networks isolated,
 * answers following the tasks, addresses surviving a leader's death, nothing left behind.
 */
@ExtendWith(Hosts.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OverlayNetworkTest {
    static final Duration CONVERGE = Duration.ofSeconds(60);
    static final String PREFIX = "shoal-overlay-e2e-";
    /** Not VXLAN's default, so the test sees the swarm's choice reach every node's devices. */
    static final int DATA_PATH_PORT = 7789;
    static final Pattern ADDRESS = Pattern.compile("Address(?: \\d+)?:\\s+(\\d+\\.\\d+\\.\\d+\\.\\d+)(?!:)");

    static Path dir;
    static TestNetwork net;
    static TestSwarm swarm;
    static DnsUpstream upstream;
    /** The daemon the test talks to: a manager that stays up. */
    static DaemonProcess manager;

    @BeforeAll
    static void swarmOfThree() throws Exception {
        dir = Hosts.containersDir(PREFIX);
        net = TestNetwork.create(3);
        // The hosts' resolver, which the nodes forward names the swarm does not know to: on h1.
        TestNetwork.Host h1 = net.host(1);
        InetSocketAddress at = new InetSocketAddress(h1.address(), 53);
        upstream = new DnsUpstream(h1.inside(() -> new DatagramSocket(at)),
                h1.inside(() -> new ServerSocket(53, 50, at.getAddress())));
        swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(3, 0).withLaunch(h -> h.daemonOptions()
                .withExecutor("oci").withExtraArgs(List.of("--dns", h1.address()))));
        swarm.init("--data-path-port", Integer.toString(DATA_PATH_PORT));
        swarm.join(swarm.tokens());
        swarm.awaitFormed();
        Path image = BusyboxImage.build(dir, "busybox");
        for (DaemonProcess d : swarm.daemons()) d.dockerOk("load", "-i", image.toString());
        manager = swarm.daemon(2);
        manager.dockerOk("network", "create", "-d", "overlay", "appnet");
        manager.dockerOk("network", "create", "-d", "overlay", "othernet");
        manager.dockerOk("service", "create", "--detach", "--name", "web", "--network", "appnet", "--replicas", "3",
                "--stop-grace-period", "1s", "busybox", "sh", "-c", SERVE_HOSTNAME);
        manager.dockerOk("service", "create", "--detach", "--name", "client", "--network", "appnet",
                "--constraint", "node.hostname==h3", "--stop-grace-period", "1s", "busybox", "sleep", "100000");
        awaitRunning("web", 3);
        awaitRunning("client", 1);
    }

    /** busybox httpd answering its container's hostname, one request at a time. */
    static final String SERVE_HOSTNAME = "mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www";

    @AfterAll
    static void tearDown() throws Exception {
        if (swarm != null) {
            for (DaemonProcess d : swarm.daemons()) System.out.println("--- " + d.dataDir() + ":\n" + d.notableLog());
        }
        if (upstream != null) upstream.close();
        if (net != null) net.close();
        if (dir != null) OciResidue.sweep(dir);
    }

    @Test
    @Order(1)
    void aServiceIsReachedByNameOnItsVipAndEveryTaskAnswersFromAnotherHost() throws Exception {
        String vip = manager.dockerOk("service", "inspect", "web", "--format",
                "{{range .Endpoint.VirtualIPs}}{{.Addr}}{{end}}").trim();
        assertTrue(vip.matches("10\\.0\\.\\d+\\.\\d+/24"), "web has a VIP on appnet: " + vip);
        assertEquals(Set.of(vip.substring(0, vip.indexOf('/'))), lookup("web"), "web resolves to its VIP");
        assertEquals(taskAddresses("web"), lookup("tasks.web"), "tasks.web resolves to every task");
        assertEquals(Set.of("h1", "h2", "h3"), nodesOf("web"), "spread over the three hosts");

        Set<String> answered = new TreeSet<>();
        for (int i = 0; i < 30 && answered.size() < 3; i++) answered.add(fetch("web"));
        assertEquals(hostnames("web"), answered, "connections to the VIP reach every task, wherever it runs");

        String task = runningTasks(manager, "web").iterator().next();
        String slot = manager.dockerOk("inspect", "--type", "task", task, "--format", "{{.Slot}}").trim();
        assertEquals(Set.of(taskAddress(task)), lookup("web." + slot + "." + task), "a task resolves by its name");
        assertEquals(Set.of(DnsUpstream.EXAMPLE.getHostAddress()), lookup("example.test"),
                "other names go to the host's resolvers");
        assertEquals(Set.of(), lookup("nosuch.test"), "and their NXDOMAIN comes back");

        for (DaemonProcess d : swarm.daemons()) {
            for (String ns : namespaces(d)) {
                if (!ns.contains("/networks/")) continue;
                String vxlan = Exec.run(List.of("nsenter", "--net=" + ns, "ip", "-d", "link", "show", "type", "vxlan"), null,
                        Duration.ofSeconds(10)).out();
                assertTrue(vxlan.contains("dstport " + DATA_PATH_PORT), "VXLAN on the swarm's data path port: " + vxlan);
            }
        }

        String inspect = manager.dockerOk("inspect", task, "--format", "{{.ID}} {{range .NetworksAttachments}}{{.Network.Spec.Name}}{{end}}");
        assertEquals(task + " appnet", inspect.trim(), "docker inspect TASKID shows the task with its attachment");
    }

    @Test
    @Order(2)
    void dnsrrAndAliasesAnswerWithTheTasks() throws Exception {
        manager.dockerOk("service", "create", "--detach", "--name", "db", "--endpoint-mode", "dnsrr",
                "--network", "name=appnet,alias=database", "--replicas", "2", "--stop-grace-period", "1s",
                "busybox", "sh", "-c", SERVE_HOSTNAME);
        awaitRunning("db", 2);
        Set<String> tasks = taskAddresses("db");
        assertEquals(2, tasks.size());
        assertEquals(tasks, lookup("db"), "dnsrr: the service's name gives its tasks");
        assertEquals(tasks, lookup("database"), "an alias answers like the name");
        assertEquals(tasks, lookup("tasks.database"));
        Set<String> answered = new TreeSet<>();
        for (int i = 0; i < 30 && answered.size() < 2; i++) answered.add(fetch("database"));
        assertEquals(hostnames("db"), answered, "round robin over the tasks");
        assertEquals("", manager.dockerOk("service", "inspect", "db", "--format", "{{range .Endpoint.VirtualIPs}}{{.Addr}}{{end}}").trim(),
                "no VIP in dnsrr mode");
    }

    @Test
    @Order(3)
    void networksAreIsolatedUnlessAContainerIsOnBoth() throws Exception {
        manager.dockerOk("service", "create", "--detach", "--name", "other", "--network", "othernet",
                "--constraint", "node.hostname==h3", "--stop-grace-period", "1s", "busybox", "sh", "-c", SERVE_HOSTNAME);
        manager.dockerOk("service", "create", "--detach", "--name", "both", "--network", "appnet", "--network", "othernet",
                "--constraint", "node.hostname==h1", "--stop-grace-period", "1s", "busybox", "sleep", "100000");
        awaitRunning("other", 1);
        awaitRunning("both", 1);
        String otherTask = taskAddresses("other").iterator().next();
        assertEquals(Set.of(), lookup("other"), "a service on a network the client is not on does not exist for it");
        assertFalse(reaches(clientPid(), otherTask), "nor is its task reachable, even on the same host");

        long both = pid(runningTasks(manager, "both").iterator().next());
        assertEquals(hostnames("other"), Set.of(fetch(both, "other")), "a container on both networks reaches the other");
        assertTrue(hostnames("web").contains(fetch(both, "web")), "and the first");
        String interfaces = inside(both, "ip", "-o", "-4", "addr");
        assertTrue(interfaces.contains("eth0") && interfaces.contains("eth1"), "one interface per network: " + interfaces);
    }

    @Test
    @Order(4)
    void answersAndBackendsFollowTheTasks() throws Exception {
        manager.dockerOk("service", "scale", "--detach", "web=2");
        eventually(CONVERGE, () -> runningTasks(manager, "web").size() == 2);
        eventually(Duration.ofSeconds(5), () -> lookupQuietly("tasks.web").equals(taskAddresses("web")));
        for (int i = 0; i < 10; i++) assertTrue(hostnames("web").contains(fetch("web")), "only running tasks answer");

        // A container killed behind the swarm's back: its task fails, and it is gone from the answers until replaced.
        String victim = runningTasks(manager, "web").iterator().next();
        String address = taskAddress(victim);
        Exec.run(List.of("kill", "-9", Long.toString(pid(victim))), null, Duration.ofSeconds(10));
        eventually(Duration.ofSeconds(10), () -> !lookupQuietly("tasks.web").contains(address)
                || !runningTasks(manager, "web").contains(victim) && runningTasks(manager, "web").size() == 2);
        awaitRunning("web", 2);
        eventually(Duration.ofSeconds(5), () -> lookupQuietly("tasks.web").equals(taskAddresses("web")));

        // No task left: the VIP still resolves, and refuses at once instead of leaving the client hanging.
        String vip = lookup("web").iterator().next();
        manager.dockerOk("service", "scale", "--detach", "web=0");
        eventually(CONVERGE, () -> runningTasks(manager, "web").isEmpty());
        eventually(Duration.ofSeconds(5), () -> lookupQuietly("tasks.web").isEmpty());
        long started = System.nanoTime();
        assertFalse(reaches(clientPid(), vip), "a VIP without tasks refuses");
        assertTrue(System.nanoTime() - started < 2_000_000_000L, "at once, not after nc's 2 s timeout");
        manager.dockerOk("service", "scale", "--detach", "web=2");
        awaitRunning("web", 2);
    }

    @Test
    @Order(5)
    void aRestartedDaemonKeepsItsContainersConnected() throws Exception {
        DaemonProcess h3 = swarm.daemon(3);
        long client = clientPid();
        String vip = lookup("web").iterator().next();
        Set<String> web = hostnames("web");
        // A restart within the heartbeat grace keeps the node Ready and its tasks; a JVM's start on a
        // loaded machine can outlast the default's 15 s, after which the client would be rescheduled.
        manager.dockerOk("swarm", "update", "--dispatcher-heartbeat", "20s");
        h3.kill9();
        try {
            // Its resolver is the daemon's, but the kernel keeps forwarding and balancing.
            assertTrue(web.contains(fetch(client, vip)), "the client on h3 reaches web's VIP while its daemon is dead");
        } finally {
            h3.start();
        }
        eventually(Duration.ofSeconds(30), () -> !runningTasks(manager, "client").isEmpty());
        manager.dockerOk("swarm", "update", "--dispatcher-heartbeat", "5s");
        assertEquals(client, clientPid(), "the restarted daemon adopts its container");
        eventually(Duration.ofSeconds(10), () -> lookupQuietly("web").equals(Set.of(vip)));
        assertTrue(web.contains(fetch("web")), "which resolves and reaches web again");
        assertEquals(Set.of(DnsUpstream.EXAMPLE.getHostAddress()), lookup("example.test"), "and its resolver answers again");
    }

    @Test
    @Order(6)
    void addressesSurviveTheLeadersDeathAndAreNeverGivenTwice() throws Exception {
        String vip = manager.dockerOk("service", "inspect", "web", "--format", "{{range .Endpoint.VirtualIPs}}{{.Addr}}{{end}}").trim();
        java.util.Map<String, String> held = new java.util.TreeMap<>();
        for (String t : runningTasks(manager, "web")) held.put(t, taskAddress(t));
        DaemonProcess leader = swarm.daemons().stream().filter(OverlayNetworkTest::isLeader).findFirst().orElseThrow();
        leader.kill9();
        eventually(CONVERGE, () -> swarm.daemons().stream().anyMatch(d -> d != leader && isLeader(d)));
        manager = swarm.daemons().stream().filter(d -> d != leader && d.isAlive()).findFirst().orElseThrow();
        manager.dockerOk("service", "scale", "--detach", "web=6");
        eventually(CONVERGE, () -> allTaskAddresses("web").size() >= 6);

        List<String> all = new ArrayList<>();
        for (String s : List.of("web", "db", "client", "both", "other")) all.addAll(allTaskAddresses(s));
        all.add(vip);
        assertEquals(new TreeSet<>(all).size(), all.size(), "no address held twice: " + all);
        assertEquals(vip, manager.dockerOk("service", "inspect", "web", "--format", "{{range .Endpoint.VirtualIPs}}{{.Addr}}{{end}}").trim(),
                "the VIP is kept");
        for (var e : held.entrySet()) {
            if (runningTasks(manager, "web").contains(e.getKey())) assertEquals(e.getValue(), taskAddress(e.getKey()), "a task keeps its address");
        }
        leader.start();
    }

    @Test
    @Order(7)
    void nothingIsLeftBehindWhenTheServicesGo() throws Exception {
        for (String s : List.of("web", "db", "client", "both", "other")) manager.dockerOk("service", "rm", s);
        for (DaemonProcess d : swarm.daemons()) {
            try {
                eventually(CONVERGE, () -> namespaces(d).isEmpty());
            } catch (AssertionError e) {
                throw new AssertionError("left on " + d.dataDir() + ": " + namespaces(d) + "\n" + d.dockerOk("ps", "-a"), e);
            }
        }
        manager.dockerOk("network", "rm", "appnet", "othernet");
        assertFalse(manager.dockerOk("network", "ls", "--format", "{{.Name}}").contains("appnet"));
    }

    @Test
    @Order(8)
    void aNodeThatLeavesTakesItsNetworksAlong() throws Exception {
        manager.dockerOk("network", "create", "-d", "overlay", "lastnet");
        manager.dockerOk("service", "create", "--detach", "--name", "everywhere", "--mode", "global", "--network", "lastnet",
                "--stop-grace-period", "1s", "busybox", "sleep", "100000");
        awaitRunning("everywhere", 3);
        DaemonProcess h3 = swarm.daemon(3);
        assertFalse(namespaces(h3).isEmpty());
        h3.dockerOk("swarm", "leave", "--force");
        try {
            eventually(CONVERGE, () -> namespaces(h3).isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError("left: " + namespaces(h3) + "\n" + h3.dockerOk("ps", "-a") + h3.notableLog(), e);
        }
    }

    // ---- what a container sees

    /** The addresses busybox's nslookup gives for the name inside the client container; none for NXDOMAIN. */
    static Set<String> lookup(String name) throws Exception {
        return lookup(clientPid(), name);
    }

    static Set<String> lookupQuietly(String name) {
        try {
            return lookup(name);
        } catch (Exception e) {
            return Set.of("failed: " + e);
        }
    }

    static Set<String> lookup(long pid, String name) throws Exception {
        var r = Exec.run(List.of("nsenter", "-t", Long.toString(pid), "-a", "nslookup", "-type=a", name), null, Duration.ofSeconds(15));
        Set<String> found = new TreeSet<>();
        String answers = r.out().contains("Name:") ? r.out().substring(r.out().indexOf("Name:")) : "";
        Matcher m = ADDRESS.matcher(answers);
        while (m.find()) found.add(m.group(1));
        return found;
    }

    /** What an HTTP GET of {@code target} answers from inside the client: the serving container's hostname. */
    static String fetch(String target) throws Exception {
        return fetch(clientPid(), target);
    }

    static String fetch(long pid, String target) throws Exception {
        String out = inside(pid, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + target + " 80");
        List<String> lines = out.lines().toList();
        return lines.isEmpty() ? "" : lines.getLast().strip();
    }

    static boolean reaches(long pid, String address) throws Exception {
        return Exec.run(List.of("nsenter", "-t", Long.toString(pid), "-a", "sh", "-c",
                "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 " + address + " 80"), null, Duration.ofSeconds(15)).exit() == 0;
    }

    static String inside(long pid, String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid), "-a"));
        cmd.addAll(List.of(argv));
        var r = Exec.run(cmd, null, Duration.ofSeconds(15));
        if (r.exit() != 0) throw new AssertionError(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.out() + r.err());
        return r.out();
    }

    // ---- what the swarm says

    static long clientPid() throws Exception {
        return pid(runningTasks(manager, "client").iterator().next());
    }

    static long pid(String task) throws Exception {
        return Long.parseLong(manager.dockerOk("inspect", "--type", "task", task, "--format", "{{.Status.ContainerStatus.PID}}").trim());
    }

    static String taskAddress(String task) throws Exception {
        String cidr = manager.dockerOk("inspect", "--type", "task", task, "--format",
                "{{range .NetworksAttachments}}{{range .Addresses}}{{.}} {{end}}{{end}}").trim().split(" ")[0];
        return cidr.substring(0, cidr.indexOf('/'));
    }

    /** The addresses of the service's running tasks. */
    static Set<String> taskAddresses(String service) {
        try {
            Set<String> out = new TreeSet<>();
            for (String t : runningTasks(manager, service)) out.add(taskAddress(t));
            return out;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Every address the service's tasks that are to run hold, as listed (duplicates kept). */
    static List<String> allTaskAddresses(String service) {
        try {
            return addressesOf(service);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> addressesOf(String service) throws Exception {
        List<String> out = new ArrayList<>();
        for (String t : manager.dockerOk("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", service).lines().toList()) {
            String a = manager.dockerOk("inspect", "--type", "task", t, "--format",
                    "{{range .NetworksAttachments}}{{range .Addresses}}{{.}} {{end}}{{end}}").trim();
            for (String cidr : a.split(" ")) if (!cidr.isEmpty()) out.add(cidr);
        }
        return out;
    }

    static Set<String> hostnames(String service) throws Exception {
        Set<String> out = new TreeSet<>();
        for (String t : runningTasks(manager, service)) out.add(inside(pid(t), "hostname").strip());
        return out;
    }

    static Set<String> nodesOf(String service) throws Exception {
        return new TreeSet<>(manager.dockerOk("service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}}", service).lines().toList());
    }

    static void awaitRunning(String service, int n) {
        try {
            eventually(CONVERGE, () -> runningTasks(manager, service).size() == n);
        } catch (AssertionError e) {
            String ps;
            try {
                ps = manager.dockerOk("service", "ps", "--no-trunc", service);
            } catch (Exception x) {
                ps = x.toString();
            }
            throw new AssertionError(service + " did not reach " + n + " running tasks:\n" + ps, e);
        }
    }

    static boolean isLeader(DaemonProcess d) {
        try {
            return d.isAlive() && d.docker("node", "inspect", "self", "--format", "{{.ManagerStatus.Leader}}").out().trim().equals("true");
        } catch (Exception e) {
            return false;
        }
    }

    /** The network namespaces a daemon's data plane holds (sandboxes and networks). */
    static List<String> namespaces(DaemonProcess d) {
        Path root = d.dataDir().resolve("network");
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.walk(root, 2)) {
            return s.filter(Files::isRegularFile).map(Path::toString).toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
