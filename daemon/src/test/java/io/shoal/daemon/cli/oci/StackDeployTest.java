package io.shoal.daemon.cli.oci;

import static io.shoal.daemon.cli.oci.OciHost.CONVERGE;
import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
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
 * publishes a port, placement constraints and resource limits apply; a third uses the stack's
 * secret and config (from files) and an external secret, publishes a host-mode port and carries
 * the other compose keys a stack file may hold (kept in the service's spec, and what the container
 * sees where it matters); {@code --detach=false} returns once all run; a redeploy of a changed file
 * replaces only the changed service's tasks; {@code stack rm} leaves nothing of the stack and all
 * that is not of it.
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
                user: "1000:1000"
                working_dir: /tmp
                environment:
                  ROUND: "%s"
              app:
                image: busybox:latest
                command: ["sh", "-c", "mkdir -p /www && cp /etc/app.conf /www/index.html && exec httpd -f -p 80 -h /www"]
                init: true
                stop_grace_period: 7s
                healthcheck:
                  test: ["CMD", "wget", "-qO-", "http://127.0.0.1:80/"]
                  interval: 2s
                  timeout: 1s
                  retries: 3
                ports:
                  - target: 80
                    published: 18481
                    protocol: tcp
                    mode: host
                secrets:
                  - app_token
                  - source: db_root
                    target: db_password
                configs:
                  - source: app_conf
                    target: /etc/app.conf
                volumes:
                  - data:/data
                  - %s:/bound:ro
                logging:
                  driver: json-file
                  options:
                    max-size: "1m"
                deploy:
                  placement:
                    preferences:
                      - spread: node.labels.zone
                  rollback_config:
                    parallelism: 2
                    delay: 3s
                    failure_action: pause
                    order: start-first
            volumes:
              data:
            secrets:
              app_token:
                file: ./app_token.txt
              db_root:
                external: true
            configs:
              app_conf:
                file: ./app.conf
            """;

    /** Values no other file could hold by chance. */
    final String token = "token-" + UUID.randomUUID();
    final String dbRoot = "root-" + UUID.randomUUID();
    final String conf = "conf-" + UUID.randomUUID();
    final String bound = "bound-" + UUID.randomUUID();

    Path dir;
    DaemonProcess daemon;
    Path compose;
    Path bindDir;

    @BeforeAll
    void startDaemonAndLoadBusybox() throws Exception {
        OciHost.assumeHost();
        dir = OciHost.newDir();
        daemon = OciHost.swarmWithBusybox(dir);
        compose = dir.resolve("compose.yml");
        Files.writeString(dir.resolve("app_token.txt"), token);
        Files.writeString(dir.resolve("app.conf"), conf);
        bindDir = Files.createDirectories(dir.resolve("bound"));
        Files.writeString(bindDir.resolve("hello"), bound);
        Path external = Files.writeString(dir.resolve("db_root.in"), dbRoot);
        daemon.dockerOk("secret", "create", "db_root", external.toString());
    }

    @AfterAll
    void tearDown() {
        OciHost.tearDown(daemon, dir);
    }

    private String deploy(String round, boolean detach) throws Exception {
        Files.writeString(compose, COMPOSE.formatted(round, bindDir));
        return daemon.dockerOk("stack", "deploy", "--detach=" + detach, "-c", compose.toString(), "shop");
    }

    private boolean allRunning() throws Exception {
        String states = daemon.dockerOk("stack", "ps", "shop", "--filter", "desired-state=running", "--format", "{{.CurrentState}}");
        return states.lines().count() == 4 && states.lines().allMatch(l -> l.startsWith("Running"));
    }

    private Set<String> runningTasks(String service) throws Exception {
        return daemon.dockerOk("service", "ps", service, "--filter", "desired-state=running", "-q", "--no-trunc")
                .lines().map(String::strip).collect(Collectors.toSet());
    }

    private static boolean served(String url, String body) {
        try {
            return OciHost.run("curl", "-s", "--max-time", "5", url).out().strip().equals(body);
        } catch (Exception e) {
            return false;
        }
    }

    private String appSpec(String format) throws Exception {
        return daemon.dockerOk("service", "inspect", "shop_app", "--format", format).strip();
    }

    private List<String> names(String kind) throws Exception {
        return daemon.dockerOk(kind, "ls", "--format", "{{.Name}}").lines().map(String::strip).sorted().toList();
    }

    @Test
    @Order(1)
    void deploysServicesThatReachEachOtherByNameOnTheStacksNetwork() throws Exception {
        String out = deploy("1", false);
        assertTrue(out.contains("Creating network shop_default"), out);
        assertTrue(out.contains("Creating secret shop_app_token") && out.contains("Creating config shop_app_conf"), out);
        assertTrue(allRunning(), "--detach=false returns once every task runs: "
                + daemon.dockerOk("stack", "ps", "shop", "--format", "{{.Name}} {{.CurrentState}} {{.Error}}"));
        assertEquals("shop 3", daemon.dockerOk("stack", "ls", "--format", "{{.Name}} {{.Services}}").trim());
        // The CLI lists only the routing mesh's ports; the host-mode one is checked below.
        assertEquals(List.of("shop_app 1/1", "shop_client 1/1", "shop_web 2/2 *:18480->8080/tcp"), Arrays.stream(daemon.dockerOk(
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
        // nsenter runs as root: the container's own process shows its user.
        List<String> status = Files.readAllLines(Path.of("/proc/" + pid + "/status"));
        assertTrue(status.contains("Uid:\t1000\t1000\t1000\t1000") && status.contains("Gid:\t1000\t1000\t1000\t1000"), status.toString());
        assertEquals("/tmp\n", OciHost.run("nsenter", "-t", Long.toString(pid), "-a", "-w", "pwd").out());
        String web = runningTasks("shop_web").iterator().next();
        String limit = OciHost.cgroupFile("memory", web, "memory.limit_in_bytes");
        assertEquals(Long.toString(64L << 20), limit != null ? limit : OciHost.cgroupFile("memory", web, "memory.max"));
        assertEquals("[node.role == manager]",
                daemon.dockerOk("service", "inspect", "shop_web", "--format", "{{.Spec.TaskTemplate.Placement.Constraints}}").trim());
        // The host's own address: 127.0.0.1 does not reach published ports here (network-dataplane.md).
        String host = OciHost.run("hostname", "-I").out().strip().split("\\s+")[0];
        // The node programs the published ports after the tasks run: poll for them.
        eventually(CONVERGE, () -> served("http://" + host + ":18480/", "hello-from-web")); // through the routing mesh
        eventually(CONVERGE, () -> served("http://" + host + ":18481/", conf)); // the host-mode port serves the config
    }

    @Test
    @Order(2)
    void theStacksSecretsConfigsAndOtherKeysReachTheSpecAndTheContainer() throws Exception {
        assertEquals("db_root>db_password shop_app_token>app_token ",
                appSpec("{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}>{{.File.Name}} {{end}}") + " ");
        assertEquals("shop_app_conf>/etc/app.conf", appSpec("{{range .Spec.TaskTemplate.ContainerSpec.Configs}}{{.ConfigName}}>{{.File.Name}}{{end}}"));
        assertEquals("[{\"Spread\":{\"SpreadDescriptor\":\"node.labels.zone\"}}]", appSpec("{{json .Spec.TaskTemplate.Placement.Preferences}}"));
        assertEquals("2 3s pause start-first", appSpec("{{with .Spec.RollbackConfig}}{{.Parallelism}} {{.Delay}} {{.FailureAction}} {{.Order}}{{end}}"));
        assertEquals("true 7s", appSpec("{{.Spec.TaskTemplate.ContainerSpec.Init}} {{.Spec.TaskTemplate.ContainerSpec.StopGracePeriod}}"));
        assertEquals("[CMD wget -qO- http://127.0.0.1:80/] 2s 1s 3",
                appSpec("{{with .Spec.TaskTemplate.ContainerSpec.Healthcheck}}{{.Test}} {{.Interval}} {{.Timeout}} {{.Retries}}{{end}}"));
        assertEquals("json-file 1m", appSpec("{{.Spec.TaskTemplate.LogDriver.Name}} {{index .Spec.TaskTemplate.LogDriver.Options \"max-size\"}}"));
        assertEquals("host 18481 80", appSpec("{{range .Spec.EndpointSpec.Ports}}{{.PublishMode}} {{.PublishedPort}} {{.TargetPort}}{{end}}"));
        assertEquals("volume shop_data /data false bind " + bindDir + " /bound true ",
                appSpec("{{range .Spec.TaskTemplate.ContainerSpec.Mounts}}{{.Type}} {{.Source}} {{.Target}} {{.ReadOnly}} {{end}}") + " ");

        long pid = OciHost.pid(daemon, runningTasks("shop_app").iterator().next());
        assertEquals(token, OciHost.inside(pid, "cat", "/run/secrets/app_token"));
        assertEquals(dbRoot, OciHost.inside(pid, "cat", "/run/secrets/db_password"));
        assertEquals(conf, OciHost.inside(pid, "cat", "/etc/app.conf"));
        assertEquals(bound, OciHost.inside(pid, "cat", "/bound/hello"));
        assertTrue(OciHost.inside(pid, "grep", " /data ", "/proc/mounts").contains(" rw,"), "the named volume is mounted read-write");
        OciHost.inside(pid, "sh", "-c", "echo kept > /data/kept");
        assertEquals("kept\n", Files.readString(daemon.dataDir().resolve("oci/volumes/shop_data/kept")), "the node's volume of that name");
        assertTrue(Files.readString(Path.of("/proc/" + pid + "/cmdline")).startsWith("/sbin/docker-init"),
                "init: true runs the init as the container's first process");
    }

    @Test
    @Order(3)
    void aRedeployReplacesOnlyTheChangedService() throws Exception {
        Set<String> webBefore = runningTasks("shop_web");
        Set<String> appBefore = runningTasks("shop_app");
        Set<String> clientBefore = runningTasks("shop_client");
        deploy("2", true);
        eventually(CONVERGE, () -> {
            try {
                Set<String> now = runningTasks("shop_client");
                return !now.isEmpty() && !now.equals(clientBefore) && allRunning();
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(webBefore, runningTasks("shop_web"), "the unchanged service keeps its tasks");
        assertEquals(appBefore, runningTasks("shop_app"), "the unchanged service with secrets and configs keeps its tasks");
        assertNotEquals(clientBefore, runningTasks("shop_client"));
    }

    @Test
    @Order(4)
    void stackRmLeavesNothingOfTheStack() throws Exception {
        daemon.dockerOk("network", "create", "-d", "overlay", "bystander");
        Path f = Files.writeString(dir.resolve("bystander.in"), "not of the stack");
        daemon.dockerOk("config", "create", "bystander", f.toString());
        daemon.dockerOk("secret", "create", "bystander", f.toString());
        daemon.dockerOk("stack", "rm", "shop");
        eventually(CONVERGE, () -> {
            try {
                return daemon.dockerOk("service", "ls", "-q").isBlank() && !names("network").contains("shop_default");
            } catch (Exception e) {
                return false;
            }
        });
        assertEquals(List.of("bystander", "db_root"), names("secret"), "stack rm removes the stack's secrets, not the external one");
        assertEquals(List.of("bystander"), names("config"));
        assertTrue(names("network").contains("bystander"), "stack rm removes only what the stack made");
        assertEquals("", daemon.dockerOk("stack", "ls", "--format", "{{.Name}}").strip());
        daemon.dockerOk("network", "rm", "bystander");
    }
}
