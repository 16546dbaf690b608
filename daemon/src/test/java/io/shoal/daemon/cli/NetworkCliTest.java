package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shoal.testkit.DaemonProcess;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Overlay networks through the docker CLI on a one-node swarm (process executor): created, listed,
 * inspected, removed and pruned; services attached to them with aliases, their VIPs and their
 * tasks' addresses; Docker's refusals. The process executor has no network plugin, so tasks of a
 * service with networks get their addresses (NEW → PENDING) and then wait for a node that can
 * attach them, with the scheduler's reason: what a user sees on such a node.
 */
class NetworkCliTest {
    static final Duration CONVERGE = Duration.ofSeconds(30);
    static final String NO_PLUGIN = "no suitable node (missing plugin on 1 node)";
    static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final OneNodeSwarm SWARM = new OneNodeSwarm("shoal-net");
    static DaemonProcess daemon;

    @BeforeAll
    static void initialized() {
        daemon = SWARM.daemon();
    }

    /** Services go first (they hold their networks), then every network but ingress, once nothing holds it. */
    @AfterEach
    void removeNetworks() throws Exception {
        String services = docker("service", "ls", "-q").trim();
        if (!services.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("service", "rm"));
            rm.addAll(List.of(services.split("\\s+")));
            docker(rm.toArray(String[]::new));
        }
        eventually(CONVERGE, () -> {
            docker("network", "prune", "-f");
            return docker("network", "ls", "--format", "{{.Name}}").trim().equals("ingress");
        });
    }

    static String docker(String... args) {
        try {
            return daemon.dockerOk(args);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Runs a command that must fail, and checks that it printed {@code message}. */
    static void assertRefused(String message, String... args) throws Exception {
        String err = refused(args);
        assertTrue(err.contains(message), "docker " + String.join(" ", args) + " printed: " + err);
    }

    /** Runs a command that must fail; returns what it printed on stderr. */
    static String refused(String... args) throws Exception {
        DaemonProcess.Result r = daemon.docker(args);
        assertNotEquals(0, r.exit(), "docker " + String.join(" ", args) + " succeeded: " + r.out());
        return r.err();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(text, e);
        }
    }

    static String inspect(String what, String format) {
        return docker("inspect", what, "--format", format).trim();
    }

    /** The full ids of the service's tasks meant to run, sorted. */
    static List<String> tasks(String service) {
        return docker("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", service).lines().sorted().toList();
    }

    static String psNoTrunc(String service) {
        return docker("service", "ps", "--no-trunc", service);
    }

    @Test
    void theIngressNetworkIsThereAfterInit() throws Exception {
        String ls = docker("network", "ls");
        assertTrue(ls.lines().anyMatch(l -> l.matches("[a-z0-9]{12}\\s+ingress\\s+overlay\\s+swarm\\s*")), ls);
        JsonNode ingress = json(docker("network", "inspect", "ingress")).get(0);
        assertEquals("ingress", ingress.get("Name").asText());
        assertEquals("swarm", ingress.get("Scope").asText());
        assertEquals("overlay", ingress.get("Driver").asText());
        assertTrue(ingress.get("Ingress").asBoolean());
        assertEquals("10.0.0.0/24", ingress.at("/IPAM/Config/0/Subnet").asText());
        assertEquals("10.0.0.1", ingress.at("/IPAM/Config/0/Gateway").asText());
        assertTrue(ingress.at("/Options/com.docker.network.driver.overlay.vxlanid_list").asText().matches("\\d{4,}"), ingress.toString());
        assertRefused("Service cannot be explicitly attached to the ingress network \"ingress\"",
                "service", "create", "--detach", "--name", "mesh", "--network", "ingress", "busybox", "sleep", "1");
    }

    @Test
    void aNetworkIsCreatedListedInspectedAndRemoved() throws Exception {
        String id = docker("network", "create", "-d", "overlay", "--subnet", "10.10.0.0/24", "--gateway", "10.10.0.254",
                "--ip-range", "10.10.0.128/25", "--internal", "--attachable", "--label", "tier=back",
                "--opt", "com.docker.network.driver.mtu=1400", "appnet").trim();
        assertTrue(id.matches("[a-z0-9]{25}"), id);
        String other = docker("network", "create", "-d", "overlay", "other").trim();

        String ls = docker("network", "ls");
        assertTrue(ls.lines().anyMatch(l -> l.matches(id.substring(0, 12) + "\\s+appnet\\s+overlay\\s+swarm\\s*")), ls);
        assertEquals(id.substring(0, 12), docker("network", "ls", "-q", "--filter", "name=app").trim());
        assertEquals("appnet overlay swarm true tier=back", docker("network", "ls", "--filter", "label=tier=back",
                "--format", "{{.Name}} {{.Driver}} {{.Scope}} {{.Internal}} {{.Labels}}").trim());
        assertEquals("", docker("network", "ls", "-q", "--filter", "driver=bridge").trim());
        assertEquals(List.of("appnet", "ingress", "other"),
                docker("network", "ls", "--filter", "driver=overlay", "--format", "{{.Name}}").lines().toList());

        JsonNode appnet = json(docker("network", "inspect", "appnet")).get(0);
        assertEquals(id, appnet.get("Id").asText());
        assertEquals(json("""
                {"Driver":"default","Options":null,"Config":[{"Subnet":"10.10.0.0/24","IPRange":"10.10.0.128/25","Gateway":"10.10.0.254"}]}"""),
                appnet.get("IPAM"));
        assertEquals("true true false swarm overlay", docker("network", "inspect", id.substring(0, 7), "--format",
                "{{.Internal}} {{.Attachable}} {{.Ingress}} {{.Scope}} {{.Driver}}").trim(), "found by an id prefix");
        assertEquals("1400 4097", docker("network", "inspect", "appnet", "--format",
                "{{index .Options \"com.docker.network.driver.mtu\"}} {{index .Options \"com.docker.network.driver.overlay.vxlanid_list\"}}").trim());
        assertEquals("10.0.1.0/24 10.0.1.1", docker("network", "inspect", other, "--format",
                "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}").trim(), "the next subnet of the default pool");

        assertEquals(List.of("appnet", other), docker("network", "rm", "appnet", other).lines().toList());
        assertEquals("ingress", docker("network", "ls", "--format", "{{.Name}}").trim());
        assertRefused("network appnet not found", "network", "inspect", "appnet");
    }

    @Test
    void refusalsAreDockers() throws Exception {
        docker("network", "create", "-d", "overlay", "--subnet", "10.30.0.0/16", "appnet");
        assertRefused("network with name appnet already exists", "network", "create", "-d", "overlay", "appnet");
        assertRefused("Pool overlaps with other one on this address space",
                "network", "create", "-d", "overlay", "--subnet", "10.30.7.0/24", "inside");
        assertRefused("operation is not permitted on predefined host network", "network", "create", "-d", "overlay", "host");
        assertRefused("invalid network config:\ninvalid subnet 10.40.0.1/24: it should be 10.40.0.0/24",
                "network", "create", "-d", "overlay", "--subnet", "10.40.0.1/24", "hostbits");
        assertRefused("ingress network cannot be attachable",
                "network", "create", "-d", "overlay", "--ingress", "--attachable", "mesh");
        assertRefused("ingress network (", "network", "create", "-d", "overlay", "--ingress", "mesh");
        assertRefused("bridge networks are local to a host and not supported", "network", "create", "local");
        assertRefused("com.docker.network.driver.overlay.encrypted is not an option of the overlay driver: use --opt encrypted",
                "network", "create", "-d", "overlay", "--opt", "com.docker.network.driver.overlay.encrypted=true", "secret");
        assertRefused("network nope not found", "network", "rm", "nope");
        assertRefused("network nope not found",
                "service", "create", "--detach", "--name", "web", "--network", "nope", "busybox", "sleep", "1");

        String service = docker("service", "create", "--detach", "--name", "web", "--network", "appnet", "busybox", "sleep", "1000").trim();
        String network = inspect("appnet", "{{.Id}}");
        assertRefused("network " + network + " is in use by service " + service, "network", "rm", "appnet");
    }

    /**
     * {@code --opt encrypted} is shown as Docker shows it, its keys never are (not by any inspect,
     * not by the Engine API's objects), and its tasks wait for a node that encrypts: the process
     * executor's node does not, so they never run in the clear.
     */
    @Test
    void anEncryptedNetworkIsShownWithoutItsKeysAndItsTasksWaitForANodeThatEncrypts() throws Exception {
        docker("network", "create", "-d", "overlay", "--opt", "encrypted", "secret");
        assertEquals("{\"com.docker.network.driver.overlay.vxlanid_list\":\"" + inspect("secret", "{{index .Options \"com.docker.network.driver.overlay.vxlanid_list\"}}")
                + "\",\"encrypted\":\"\"}", docker("network", "inspect", "secret", "--format", "{{json .Options}}").trim());
        assertEquals("secret overlay", docker("network", "ls", "--filter", "name=secret", "--format", "{{.Name}} {{.Driver}}").trim());

        docker("service", "create", "--detach", "--name", "web", "--network", "secret", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> psNoTrunc("web").contains("no suitable node (encrypted overlay networks not supported on 1 node)"));
        assertEquals("Pending", docker("service", "ps", "web", "--format", "{{.CurrentState}}").trim().split(" ")[0]);

        String everything = String.join("\n", docker("network", "inspect", "--verbose", "secret"), docker("node", "inspect", "self"),
                docker("service", "inspect", "web"),
                daemon.http().get("/v1.45/nodes").body(), daemon.http().get("/v1.45/tasks").body(),
                daemon.http().get("/v1.45/networks").body(), daemon.http().get("/v1.45/swarm").body());
        assertTrue(everything.contains("\"encrypted\""), "the task's network is in what was read");
        for (String field : List.of("PrivateKey", "PresharedKey", "PublicKey")) {
            assertFalse(everything.contains("\"" + field + "\""), field);
        }
    }

    @Test
    void pruneRemovesTheNetworksNothingUses() {
        docker("network", "create", "-d", "overlay", "used");
        docker("network", "create", "-d", "overlay", "--label", "keep", "kept");
        docker("network", "create", "-d", "overlay", "idle");
        docker("service", "create", "--detach", "--name", "web", "--network", "used", "busybox", "sleep", "1000");
        String out = docker("network", "prune", "-f", "--filter", "label!=keep");
        assertEquals("Deleted Networks:\nidle\n\n", out);
        assertEquals(List.of("ingress", "kept", "used"), docker("network", "ls", "--format", "{{.Name}}").lines().toList());
        assertEquals("", docker("network", "prune", "-f", "--filter", "until=1h"), "nothing that old");
    }

    /**
     * {@code --network name=X,alias=A}: the spec names the networks by id (in the order the CLI
     * sorts them), the service holds a VIP on each, and each task an address on each, in that
     * order, before it waits for a node the process executor cannot be.
     */
    @Test
    void servicesAttachWithAliasesAndHoldAddresses() {
        String front = docker("network", "create", "-d", "overlay", "front").trim();
        String back = docker("network", "create", "-d", "overlay", "--subnet", "10.60.0.0/24", "back").trim();
        docker("service", "create", "--detach", "--name", "web", "--replicas", "2", "--network", "name=front,alias=www",
                "--network", "back", "busybox", "sleep", "1000");

        JsonNode networks = json(inspect("web", "{{json .Spec.TaskTemplate.Networks}}"));
        List<String> order = front.compareTo(back) < 0 ? List.of(front, back) : List.of(back, front);
        assertEquals(order, List.of(networks.get(0).get("Target").asText(), networks.get(1).get("Target").asText()));
        JsonNode frontSpec = networks.get(order.indexOf(front));
        assertEquals("[\"www\"]", frontSpec.get("Aliases").toString());

        JsonNode vips = json(inspect("web", "{{json .Endpoint.VirtualIPs}}"));
        assertEquals(2, vips.size(), vips.toString());
        for (JsonNode vip : vips) {
            String expected = vip.get("NetworkID").asText().equals(back) ? "10.60.0.2/24" : "10.0.1.2/24";
            assertEquals(expected, vip.get("Addr").asText(), vips.toString());
        }

        eventually(CONVERGE, () -> psNoTrunc("web").lines().filter(l -> l.contains(NO_PLUGIN)).count() == 2);
        List<String> tasks = tasks("web");
        assertEquals(2, tasks.size());
        List<String> addresses = new ArrayList<>();
        for (String task : tasks) {
            JsonNode attachments = json(docker("inspect", "--type", "task", task, "--format", "{{json .NetworksAttachments}}"));
            assertEquals(2, attachments.size(), attachments.toString());
            for (int i = 0; i < 2; i++) {
                JsonNode a = attachments.get(i);
                assertEquals(order.get(i), a.at("/Network/ID").asText(), "attachments in the order of the spec");
                assertEquals("overlay", a.at("/Network/DriverState/Name").asText());
                assertTrue(a.at("/Network/DriverState/Options/com.docker.network.driver.overlay.vxlanid_list").asText().matches("\\d+"));
                addresses.add(a.at("/Addresses/0").asText());
            }
            assertEquals("pending", docker("inspect", "--type", "task", task, "--format", "{{.Status.State}}").trim());
        }
        assertEquals(List.of("10.0.1.3/24", "10.0.1.4/24", "10.60.0.3/24", "10.60.0.4/24"), addresses.stream().sorted().toList());

        JsonNode services = json(docker("network", "inspect", "-v", "front", "--format", "{{json .Services}}"));
        assertEquals("10.0.1.2", services.at("/web/VIP").asText());
        List<String> endpoints = new ArrayList<>();
        services.at("/web/Tasks").forEach(t -> endpoints.add(t.get("EndpointIP").asText()));
        assertEquals(List.of("10.0.1.3", "10.0.1.4"), endpoints.stream().sorted().toList());
    }

    /** {@code --network-add} and {@code --network-rm} are a spec change: new tasks on the new networks, the VIPs follow. */
    @Test
    void anUpdateAddsAndRemovesNetworks() {
        String a = docker("network", "create", "-d", "overlay", "neta").trim();
        String b = docker("network", "create", "-d", "overlay", "netb").trim();
        docker("service", "create", "--detach", "--name", "web", "--update-parallelism", "0", "--network", "neta",
                "busybox", "sleep", "1000");
        String before = tasks("web").getFirst();
        docker("service", "update", "--detach", "--network-add", "name=netb,alias=db", "web");
        assertEquals(2, json(inspect("web", "{{json .Endpoint.VirtualIPs}}")).size());
        eventually(CONVERGE, () -> {
            List<String> now = tasks("web");
            return now.size() == 1 && !now.getFirst().equals(before)
                    && docker("inspect", "--type", "task", now.getFirst(), "--format", "{{len .NetworksAttachments}}").trim().equals("2");
        });

        docker("service", "update", "--detach", "--network-rm", "neta", "web");
        JsonNode vips = json(inspect("web", "{{json .Endpoint.VirtualIPs}}"));
        assertEquals(1, vips.size());
        assertEquals(b, vips.get(0).get("NetworkID").asText());
        assertEquals("[{\"Target\":\"" + b + "\",\"Aliases\":[\"db\"]}]", inspect("web", "{{json .Spec.TaskTemplate.Networks}}"));
        eventually(CONVERGE, () -> {
            List<String> now = tasks("web");
            return now.size() == 1 && docker("inspect", "--type", "task", now.getFirst(), "--format",
                    "{{range .NetworksAttachments}}{{.Network.Spec.Name}}{{end}}").trim().equals("netb");
        });
        assertEquals(a.substring(0, 12), docker("network", "ls", "-q", "--filter", "name=neta").trim());
        assertEquals("neta\n", docker("network", "rm", "neta"), "no service uses it any more");
    }

    /** The swarm's own host network, which services name as in Docker, needs no plugin: its tasks run. */
    @Test
    void servicesOnTheHostNetworkRun() {
        docker("service", "create", "--detach", "--name", "edge", "--network", "host", "busybox", "sleep", "1000");
        assertEquals("null", inspect("edge", "{{json .Endpoint.VirtualIPs}}"), "no VIP on the host network");
        eventually(CONVERGE, () -> docker("service", "ls", "--filter", "name=edge", "--format", "{{.Replicas}}").trim().equals("1/1"));
        assertEquals("host []", docker("inspect", "--type", "task", tasks("edge").getFirst(), "--format",
                "{{range .NetworksAttachments}}{{.Network.Spec.Name}} {{.Addresses}}{{end}}").trim());
    }

    @Test
    void dnsRoundRobinServicesHaveNoVip() {
        docker("network", "create", "-d", "overlay", "appnet");
        docker("service", "create", "--detach", "--name", "db", "--endpoint-mode", "dnsrr", "--network", "appnet",
                "busybox", "sleep", "1000");
        assertEquals("dnsrr null", inspect("db", "{{.Spec.EndpointSpec.Mode}} {{json .Endpoint.VirtualIPs}}"));
        eventually(CONVERGE, () -> psNoTrunc("db").contains(NO_PLUGIN));
        assertEquals("[10.0.1.2/24]", docker("inspect", "--type", "task", tasks("db").getFirst(), "--format",
                "{{range .NetworksAttachments}}{{.Addresses}}{{end}}").trim());
    }

    /**
     * A /29 has five addresses besides its gateway: one VIP and four tasks. The fifth and sixth
     * task stay NEW with the reason; a service whose VIP does not fit is refused; and a task that
     * waits gets the first address that is freed.
     */
    @Test
    void addressExhaustionIsAClearError() throws Exception {
        docker("network", "create", "-d", "overlay", "--subnet", "10.20.0.0/29", "small");
        docker("service", "create", "--detach", "--name", "full", "--replicas", "6", "--network", "small", "busybox", "sleep", "1000");
        String exhausted = "\"no IP addresses available in network small\"";
        eventually(CONVERGE, () -> {
            List<String> ps = psNoTrunc("full").lines().toList();
            return ps.stream().filter(l -> l.contains("Pending") && l.contains(NO_PLUGIN)).count() == 4
                    && ps.stream().filter(l -> l.contains("New") && l.contains(exhausted)).count() == 2;
        });

        assertRefused("could not find an available IP while allocating VIP: no IP addresses available in network small",
                "service", "create", "--detach", "--name", "late", "--network", "small", "busybox", "sleep", "1000");

        docker("service", "create", "--detach", "--name", "late", "--endpoint-mode", "dnsrr", "--network", "small",
                "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> psNoTrunc("late").contains("no IP addresses available in network small"));
        docker("service", "rm", "full");
        eventually(CONVERGE, () -> psNoTrunc("late").contains(NO_PLUGIN));
        assertEquals("[10.20.0.2/29]", docker("inspect", "--type", "task", tasks("late").getFirst(), "--format",
                "{{range .NetworksAttachments}}{{.Addresses}}{{end}}").trim(), "the address full's VIP freed first");
    }

    /** Removing the ingress network asks first, as Docker does; it goes once no service publishes a port, and can be made again. */
    @Test
    void theIngressNetworkIsRemovedOnlyWhenNothingPublishes() throws Exception {
        String web = docker("service", "create", "--detach", "--name", "web", "-p", "8080:80", "busybox", "sleep", "1000").trim();
        assertTrue(removeIngress().contains("ingress network cannot be removed because service " + web + " depends on it"));
        docker("service", "rm", "web");
        assertTrue(removeIngress().contains("ingress"));
        assertEquals("", docker("network", "ls", "-q").trim());
        docker("network", "create", "-d", "overlay", "--ingress", "ingress");
        assertEquals("true 10.0.0.0/24", docker("network", "inspect", "ingress", "--format",
                "{{.Ingress}} {{range .IPAM.Config}}{{.Subnet}}{{end}}").trim());
    }

    /** {@code docker network rm ingress}, answering yes to its question; what it printed. */
    static String removeIngress() throws Exception {
        Process p = daemon.dockerProcess("network", "rm", "ingress").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write("y\n".getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "docker network rm ingress did not finish");
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** {@code swarm init}'s address pool options reach the cluster, the ingress network and the networks after it. */
    @Test
    void swarmInitTakesTheDefaultAddressPool() throws Exception {
        try (DaemonProcess other = new DaemonProcess(Files.createTempDirectory("shoal-net-init")).start()) {
            try {
                DaemonProcess.Result bad = other.docker("swarm", "init", "--advertise-addr", "127.0.0.1",
                        "--default-addr-pool", "10.100.0.0/16", "--default-addr-pool-mask-length", "30");
                assertNotEquals(0, bad.exit());
                assertTrue(bad.err().contains("subnet size is out of range: 30"), bad.err());
                other.dockerOk("swarm", "init", "--advertise-addr", "127.0.0.1", "--default-addr-pool", "10.100.0.0/16",
                        "--default-addr-pool-mask-length", "26", "--data-path-port", "7789");
                assertEquals("[10.100.0.0/16] 26 7789", other.dockerOk("info", "--format",
                        "{{.Swarm.Cluster.DefaultAddrPool}} {{.Swarm.Cluster.SubnetSize}} {{.Swarm.Cluster.DataPathPort}}").trim());
                assertEquals("10.100.0.0/26", other.dockerOk("network", "inspect", "ingress", "--format",
                        "{{range .IPAM.Config}}{{.Subnet}}{{end}}").trim());
                other.dockerOk("network", "create", "-d", "overlay", "next");
                assertEquals("10.100.0.64/26 10.100.0.65", other.dockerOk("network", "inspect", "next", "--format",
                        "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}").trim());
            } finally {
                other.docker("swarm", "leave", "--force");
            }
        }
    }
}
