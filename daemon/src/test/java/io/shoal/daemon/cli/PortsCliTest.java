package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shoal.testkit.DaemonProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Published ports through the docker CLI on a one-node swarm (process executor): the forms of
 * {@code --publish}, dynamic ports, Docker's refusal of a port another service holds,
 * {@code --publish-add}/{@code --publish-rm}, what {@code service inspect} and {@code service ls}
 * show, and what the swarm gives a service publishing through the routing mesh (a VIP and task
 * addresses on ingress, an address for the node). Tasks of such services wait for a node with a
 * network plugin here, so services are created detached.
 */
class PortsCliTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final OneNodeSwarm SWARM = new OneNodeSwarm("shoal-ports");
    private static DaemonProcess daemon;

    @BeforeAll
    static void initialized() {
        daemon = SWARM.daemon();
    }

    private static String docker(String... args) {
        return SWARM.docker(args);
    }

    private static String create(String name, String... publish) throws Exception {
        List<String> args = new ArrayList<>(List.of("service", "create", "--detach", "--name", name));
        args.addAll(List.of(publish));
        args.addAll(List.of("busybox", "sleep", "1000"));
        return docker(args.toArray(String[]::new)).trim();
    }

    /** The service's published ports as {@code service inspect} shows them: {@code protocol published->target mode}. */
    private static List<String> ports(String service) throws Exception {
        JsonNode ports = JSON.readTree(docker("service", "inspect", service, "--format", "{{json .Endpoint.Ports}}"));
        List<String> out = new ArrayList<>();
        for (JsonNode p : ports) {
            out.add(p.get("Protocol").asText() + " " + p.get("PublishedPort").asInt() + "->" + p.get("TargetPort").asInt()
                    + " " + p.get("PublishMode").asText());
        }
        return out;
    }

    private static String ls(String service) throws Exception {
        return docker("service", "ls", "--filter", "name=" + service, "--format", "{{.Ports}}").trim();
    }

    @Test
    void everyFormOfPublishIsShownByInspectAndLs() throws Exception {
        create("udp", "--publish", "published=5353,target=53,protocol=udp");
        assertEquals(List.of("udp 5353->53 ingress"), ports("udp"));
        assertEquals("*:5353->53/udp", ls("udp"));

        create("short", "-p", "8080:80");
        assertEquals(List.of("tcp 8080->80 ingress"), ports("short"));
        assertEquals("*:8080->80/tcp", ls("short"));

        create("host", "--publish", "mode=host,published=9090,target=80");
        assertEquals(List.of("tcp 9090->80 host"), ports("host"));
        assertEquals("", ls("host"), "the CLI lists the routing mesh's ports only");

        create("dynamic", "--publish", "target=80");
        int dynamic = JSON.readTree(docker("service", "inspect", "dynamic", "--format", "{{json .Endpoint.Ports}}"))
                .get(0).get("PublishedPort").asInt();
        assertTrue(dynamic >= 30000 && dynamic <= 32767, "Docker's dynamic range: " + dynamic);
    }

    @Test
    void aPortAnotherServiceHoldsIsRefusedWithDockersMessage() throws Exception {
        String web = create("web", "-p", "8081:80");
        DaemonProcess.Result r = daemon.docker("service", "create", "--detach", "--name", "other", "-p", "8081:81",
                "busybox", "sleep", "1000");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("port '8081' is already in use by service 'web' (" + web + ") as an ingress port"), r.err());
        create("other", "-p", "8081:81/udp");
        assertEquals(List.of("udp 8081->81 ingress"), ports("other"), "the same number over another protocol is another port");
        DaemonProcess.Result update = daemon.docker("service", "update", "--detach", "--publish-add", "8081:82", "other");
        assertNotEquals(0, update.exit());
        assertTrue(update.err().contains("port '8081' is already in use by service 'web' (" + web + ") as an ingress port"),
                update.err());
    }

    @Test
    void publishAddAndRemoveChangeThePortsAndRollTheTasks() throws Exception {
        create("web", "-p", "8082:80");
        String first = docker("service", "ps", "-q", "--no-trunc", "web").trim();
        docker("service", "update", "--detach", "--publish-add", "8090:81", "web");
        assertEquals(List.of("tcp 8082->80 ingress", "tcp 8090->81 ingress"), ports("web"));
        assertEquals("*:8082->80/tcp, *:8090->81/tcp", ls("web"));
        docker("service", "update", "--detach", "--publish-rm", "80", "web");
        assertEquals(List.of("tcp 8090->81 ingress"), ports("web"));
        eventually(CONVERGE, () -> {
            String ps = docker("service", "ps", "--no-trunc", "--filter", "desired-state=shutdown", "web");
            return ps.contains(first);
        });
        docker("service", "update", "--detach", "--publish-rm", "81", "web");
        assertEquals("", ls("web"));
        create("again", "-p", "8082:80");
        assertEquals(List.of("tcp 8082->80 ingress"), ports("again"), "a removed port is free for another service");
    }

    /** A service publishing through the routing mesh has a VIP on ingress; its tasks and the node have addresses there. */
    @Test
    void theRoutingMeshRunsOnTheIngressNetwork() throws Exception {
        String ingress = docker("network", "inspect", "ingress", "--format", "{{.Id}}").trim();
        create("mesh", "-p", "8084:80");
        JsonNode vips = JSON.readTree(docker("service", "inspect", "mesh", "--format", "{{json .Endpoint.VirtualIPs}}"));
        assertEquals(ingress, vips.get(0).get("NetworkID").asText());
        assertTrue(vips.get(0).get("Addr").asText().startsWith("10.0.0."), vips.toString());
        eventually(CONVERGE, () -> {
            String task = docker("service", "ps", "-q", "--no-trunc", "mesh").trim();
            return !task.isEmpty() && docker("inspect", "--type", "task", task, "--format",
                    "{{range .NetworksAttachments}}{{.Network.Spec.Name}} {{.Addresses}}{{end}}").trim().matches("ingress \\[10\\.0\\.0\\.\\d+/24]");
        });
        // The CLI's node type has no attachments (swarmkit keeps them beside the API's): read the API.
        String node = daemon.http().get("/v1.45/nodes").body();
        JsonNode attachment = JSON.readTree(node).get(0).get("Attachments").get(0);
        assertEquals(ingress, attachment.at("/Network/ID").asText());
        assertTrue(attachment.at("/Addresses/0").asText().matches("10\\.0\\.0\\.\\d+/24"), node);
    }
}
