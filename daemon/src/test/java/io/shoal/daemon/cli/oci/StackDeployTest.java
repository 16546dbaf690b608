package io.shoal.daemon.cli.oci;

import static io.shoal.daemon.cli.oci.OciHost.CONVERGE;
import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code docker stack deploy} of a compose file with the unchanged docker CLI, on a one-node swarm
 * with real containers: two services on the stack's network reach each other by name, one
 * publishes a port, placement constraints and resource limits apply; a redeploy of a changed file
 * replaces only the changed service's tasks; {@code stack rm} leaves nothing of the stack.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackDeployTest {
    private static final String COMPOSE = """
            version: "3.8"
            services:
              web:
                image: busybox:latest
                command: ["sh", "-c", "mkdir -p /www && echo hello-from-web > /www/index.html && exec httpd -f -p 8080 -h /www"]
                ports:
                  - "18480:8080"
                deploy:
                  replicas: 2
                  resources:
                    limits:
                      memory: 64M
                  placement:
                    constraints: [node.role == manager]
              client:
                image: busybox:latest
                command: ["sleep", "1000"]
                environment:
                  ROUND: "%s"
            """;

    Path dir;
    DaemonProcess daemon;
    Path compose;

    @BeforeAll
    void startDaemonAndLoadBusybox() throws Exception {
        OciHost.assumeHost();
        dir = OciHost.newDir();
        Path tar = BusyboxImage.build(dir, "busybox:latest");
        daemon = OciHost.swarm(dir);
        daemon.dockerOk("load", "-i", tar.toString());
        compose = dir.resolve("compose.yml");
    }

    @AfterAll
    void tearDown() {
        OciHost.tearDown(daemon, dir);
    }

    private String deploy(String round) throws Exception {
        Files.writeString(compose, COMPOSE.formatted(round));
        return daemon.dockerOk("stack", "deploy", "--detach=true", "-c", compose.toString(), "shop");
    }

    private boolean allRunning() throws Exception {
        String states = daemon.dockerOk("stack", "ps", "shop", "--filter", "desired-state=running", "--format", "{{.CurrentState}}");
        return states.lines().count() == 3 && states.lines().allMatch(l -> l.startsWith("Running"));
    }

    private Set<String> runningTasks(String service) throws Exception {
        return daemon.dockerOk("service", "ps", service, "--filter", "desired-state=running", "-q", "--no-trunc")
                .lines().map(String::strip).collect(Collectors.toSet());
    }

    @Test
    @Order(1)
    void deploysServicesThatReachEachOtherByNameOnTheStacksNetwork() throws Exception {
        String out = deploy("1");
        assertTrue(out.contains("Creating network shop_default"), out);
        eventually(CONVERGE, () -> {
            try {
                return allRunning();
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals("shop 2", daemon.dockerOk("stack", "ls", "--format", "{{.Name}} {{.Services}}").trim());
        assertEquals(List.of("shop_client 1/1", "shop_web 2/2 *:18480->8080/tcp"), Arrays.stream(daemon.dockerOk(
                "stack", "services", "shop", "--format", "{{.Name}} {{.Replicas}} {{.Ports}}").trim().split("\n"))
                .map(String::strip).sorted().toList());

        String client = runningTasks("shop_client").iterator().next();
        long pid = OciHost.pid(daemon, client);
        eventually(CONVERGE, () -> {
            try {
                return OciHost.inside(pid, "wget", "-qO-", "http://web:8080/").strip().equals("hello-from-web");
            } catch (Throwable e) {
                return false;
            }
        });
        String web = runningTasks("shop_web").iterator().next();
        String limit = OciHost.cgroupFile("memory", web, "memory.limit_in_bytes");
        assertEquals(Long.toString(64L << 20), limit != null ? limit : OciHost.cgroupFile("memory", web, "memory.max"));
        assertEquals("[node.role == manager]",
                daemon.dockerOk("service", "inspect", "shop_web", "--format", "{{.Spec.TaskTemplate.Placement.Constraints}}").trim());
        // The host's own address: 127.0.0.1 does not reach published ports here (network-dataplane.md).
        String host = OciHost.run("hostname", "-I").out().strip().split("\\s+")[0];
        OciHost.Cmd published = OciHost.run("curl", "-s", "--max-time", "5", "http://" + host + ":18480/");
        assertEquals("hello-from-web", published.out().strip(), "the published port through the routing mesh");
    }

    @Test
    @Order(2)
    void aRedeployReplacesOnlyTheChangedService() throws Exception {
        Set<String> webBefore = runningTasks("shop_web");
        Set<String> clientBefore = runningTasks("shop_client");
        deploy("2");
        eventually(CONVERGE, () -> {
            try {
                Set<String> now = runningTasks("shop_client");
                return !now.isEmpty() && !now.equals(clientBefore) && allRunning();
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(webBefore, runningTasks("shop_web"), "the unchanged service keeps its tasks");
        assertNotEquals(clientBefore, runningTasks("shop_client"));
    }

    @Test
    @Order(3)
    void stackRmLeavesNothingOfTheStack() throws Exception {
        // The CLI lists the stack's secrets and configs to remove them too.
        assumeTrue(daemon.http().get("/v1.45/secrets").status() == 200,
                "skipped: docker stack rm lists secrets and configs, which this daemon does not serve yet");
        daemon.dockerOk("network", "create", "-d", "overlay", "bystander");
        daemon.dockerOk("stack", "rm", "shop");
        eventually(CONVERGE, () -> {
            try {
                return daemon.dockerOk("service", "ls", "-q").isBlank()
                        && !daemon.dockerOk("network", "ls", "--format", "{{.Name}}").contains("shop_default");
            } catch (Exception e) {
                return false;
            }
        });
        assertTrue(daemon.dockerOk("network", "ls", "--format", "{{.Name}}").lines().anyMatch("bystander"::equals),
                "stack rm removes only what the stack made");
        daemon.dockerOk("network", "rm", "bystander");
    }
}
