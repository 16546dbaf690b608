package io.shoal.daemon.cli.oci;

import static io.shoal.daemon.cli.oci.OciHost.CONVERGE;
import static io.shoal.daemon.cli.oci.OciHost.inside;
import static io.shoal.daemon.cli.oci.OciHost.pid;
import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningTasks;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.DiskSearch;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Secrets and configs through the docker CLI on one daemon with real containers: what a task's
 * container sees (a read-only file on a tmpfs with the owner and mode asked for), what the API
 * shows and refuses, rotation by update, and that no value reaches the node's disk.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecretsCliTest {
    /** Values no other file of the node could hold by chance. */
    final String value = "s3cret-" + UUID.randomUUID();
    final String rotated = "r0tated-" + UUID.randomUUID();
    final String other = "0ther-" + UUID.randomUUID();

    Path dir;
    DaemonProcess daemon;

    @BeforeAll
    void startDaemonAndLoadBusybox() throws Exception {
        OciHost.assumeHost();
        dir = OciHost.newDir();
        daemon = OciHost.swarmWithBusybox(dir);
    }

    @AfterAll
    void tearDown() {
        OciHost.tearDown(daemon, dir);
    }

    private Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }

    /** Creates from a file, then removes the file: the test's own copies must not count as the node's. */
    private String create(String kind, String name, String content, String... flags) throws Exception {
        Path f = file(name + ".in", content);
        try {
            List<String> args = new ArrayList<>(List.of(kind, "create"));
            args.addAll(List.of(flags));
            args.add(name);
            args.add(f.toString());
            return daemon.dockerOk(args.toArray(String[]::new)).strip();
        } finally {
            Files.delete(f);
        }
    }

    /** The oci executor's tmpfs, which holds the tasks' secrets and configs. */
    private Path executorTmpfs() {
        return OciExecutor.runDir(daemon.dataDir().resolve("oci"));
    }

    private String onlyTask(String service) {
        Set<String> tasks = runningTasks(daemon, service);
        assertEquals(1, tasks.size(), service + ": " + tasks);
        return tasks.iterator().next();
    }

    @Test
    @Order(1)
    void secretReachesOnlyTheContainersThatReferToIt() throws Exception {
        String id = create("secret", "db_pass", value, "--label", "env=test");
        assertTrue(id.matches("[a-z0-9]{25}"), id);
        create("secret", "api_key", other);
        assertEquals("api_key\ndb_pass\n", daemon.dockerOk("secret", "ls", "--format", "{{.Name}}"));
        assertEquals("db_pass\n", daemon.dockerOk("secret", "ls", "--filter", "label=env=test", "--format", "{{.Name}}"));
        assertEquals("db_pass\n", daemon.dockerOk("secret", "ls", "--filter", "name=db", "--format", "{{.Name}}"));
        assertEquals(id + "\n", daemon.dockerOk("secret", "ls", "--filter", "id=" + id.substring(0, 6), "-q"));
        String inspect = daemon.dockerOk("secret", "inspect", "db_pass");
        assertTrue(inspect.contains("\"env\": \"test\""), inspect);
        assertFalse(inspect.contains("Data"), "a secret's data is never shown: " + inspect);
        assertFalse(inspect.contains(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))), inspect);

        daemon.dockerOk("service", "create", "--detach", "--name", "app", "--secret", "db_pass",
                "--secret", "source=api_key,target=keys/api,uid=1000,gid=1001,mode=0400", "busybox", "sleep", "1000");
        daemon.dockerOk("service", "create", "--detach", "--name", "plain", "busybox", "sleep", "1000");
        eventually(CONVERGE, () -> runningTasks(daemon, "app").size() == 1 && runningTasks(daemon, "plain").size() == 1);

        long app = pid(daemon, onlyTask("app"));
        assertEquals(value, inside(app, "cat", "/run/secrets/db_pass"));
        assertEquals("0 0 444\n", inside(app, "stat", "-c", "%u %g %a", "/run/secrets/db_pass"));
        assertEquals(other, inside(app, "cat", "/run/secrets/keys/api"));
        assertEquals("1000 1001 400\n", inside(app, "stat", "-c", "%u %g %a", "/run/secrets/keys/api"));
        String mounts = inside(app, "grep", "/run/secrets", "/proc/mounts");
        for (String target : List.of("/run/secrets/db_pass", "/run/secrets/keys/api")) {
            String line = mounts.lines().filter(l -> l.split(" ")[1].equals(target)).findFirst().orElseThrow(() -> new AssertionError(mounts));
            assertEquals("tmpfs", line.split(" ")[2], line);
            assertTrue(line.split(" ")[3].startsWith("ro,"), "read-only: " + line);
        }
        var write = OciHost.run("nsenter", "-t", Long.toString(app), "-a", "sh", "-c", "echo x > /run/secrets/db_pass");
        assertNotEquals(0, write.exit(), "the file is read-only: " + write.out());

        // The value is on the node only in memory: the executor's tmpfs, where the same search finds it.
        List<Path> inMemory = DiskSearch.filesContaining(executorTmpfs(), value, false);
        assertEquals(1, inMemory.size(), inMemory.toString());
        assertTrue(inMemory.getFirst().startsWith(executorTmpfs().resolve("files")), inMemory.toString());
        assertEquals(List.of(), DiskSearch.filesContaining(daemon.dataDir(), value, true));

        long plain = pid(daemon, onlyTask("plain"));
        var ls = OciHost.run("nsenter", "-t", Long.toString(plain), "-a", "ls", "/run/secrets");
        assertNotEquals(0, ls.exit(), "a container without secrets has none: " + ls.out());
    }

    @Test
    @Order(2)
    void removalIsRefusedWhileAServiceUsesIt() throws Exception {
        var rm = daemon.docker("secret", "rm", "db_pass");
        assertNotEquals(0, rm.exit());
        assertTrue(rm.err().contains("secret 'db_pass' is in use by the following service: app"), rm.both());
    }

    @Test
    @Order(3)
    void rotationBySecretAddOnTheSameTarget() throws Exception {
        String before = onlyTask("app");
        create("secret", "db_pass_v2", rotated);
        daemon.dockerOk("service", "update", "--detach", "--secret-add", "source=db_pass_v2,target=db_pass", "app");
        String refs = daemon.dockerOk("service", "inspect", "app", "--format",
                "{{range .Spec.TaskTemplate.ContainerSpec.Secrets}}{{.SecretName}}>{{.File.Name}} {{end}}");
        assertEquals("api_key>keys/api db_pass_v2>db_pass", refs.strip());
        eventually(CONVERGE, () -> {
            Set<String> now = runningTasks(daemon, "app");
            return now.size() == 1 && !now.contains(before);
        });
        assertEquals(rotated, inside(pid(daemon, onlyTask("app")), "cat", "/run/secrets/db_pass"));
        daemon.dockerOk("secret", "rm", "db_pass");
    }

    @Test
    @Order(4)
    void configsWithTemplates() throws Exception {
        String template = "svc={{.Service.ID}} {{.Service.Name}} {{.Task.Name}} host={{.Node.Hostname}} env={{env \"MODE\"}}"
                + " key={{secret \"keys/api\"}}\n";
        create("config", "app_conf", template, "--template-driver", "golang");
        String inspect = daemon.dockerOk("config", "inspect", "app_conf", "--format", "{{printf \"%s\" .Spec.Data}}");
        assertEquals(template, inspect.substring(0, inspect.length() - 1), "a config's data is shown");
        daemon.dockerOk("service", "update", "--detach", "--env-add", "MODE=prod",
                "--config-add", "source=app_conf,target=/etc/app.conf,mode=0440", "app");
        eventually(CONVERGE, () -> {
            try {
                Set<String> t = runningTasks(daemon, "app");
                return t.size() == 1 && taskHasConfig(t.iterator().next());
            } catch (Exception e) {
                return false;
            }
        });
        long app = pid(daemon, onlyTask("app"));
        String serviceId = daemon.dockerOk("service", "inspect", "app", "--format", "{{.ID}}").strip();
        String hostname = daemon.dockerOk("node", "inspect", "self", "--format", "{{.Description.Hostname}}").strip();
        String task = onlyTask("app");
        assertEquals("svc=" + serviceId + " app app.1." + task + " host=" + hostname + " env=prod key=" + other + "\n",
                inside(app, "cat", "/etc/app.conf"));
        assertEquals("0 0 440\n", inside(app, "stat", "-c", "%u %g %a", "/etc/app.conf"));
        var rm = daemon.docker("config", "rm", "app_conf");
        assertTrue(rm.err().contains("config 'app_conf' is in use by the following service: app"), rm.both());
    }

    private boolean taskHasConfig(String task) throws Exception {
        return OciHost.taskField(daemon, task, "{{len .Spec.ContainerSpec.Configs}}").equals("1");
    }

    /**
     * After kill -9 the running container keeps its files (they are on the executor's tmpfs, bind
     * mounted), and a new task that needs the secret starts: the restarted agent got it again from
     * the dispatcher, having kept none of it on disk.
     */
    @Test
    @Order(5)
    void aKilledDaemonsContainersKeepTheirFilesAndNewTasksGetThem() throws Exception {
        String before = onlyTask("app");
        long pid = pid(daemon, before);
        daemon.kill9();
        daemon.start();
        eventually(CONVERGE, () -> runningTasks(daemon, "app").equals(Set.of(before)));
        assertEquals(pid, pid(daemon, before), "adopted, not restarted");
        assertEquals(rotated, inside(pid, "cat", "/run/secrets/db_pass"));
        daemon.dockerOk("service", "scale", "--detach", "app=2");
        eventually(CONVERGE, () -> runningTasks(daemon, "app").size() == 2);
        for (String t : runningTasks(daemon, "app")) {
            assertEquals(other, inside(pid(daemon, t), "cat", "/run/secrets/keys/api"), t);
        }
    }

    @Test
    @Order(6)
    void badInputGetsDockersMessages() throws Exception {
        var big = daemon.docker("secret", "create", "big", file("big", "x".repeat(500 * 1024)).toString());
        assertTrue(big.err().contains("secret data must be larger than 0 and less than 512000 bytes"), big.both());
        var empty = daemon.docker("secret", "create", "empty", file("empty", "").toString());
        assertNotEquals(0, empty.exit(), empty.both());
        var dup = daemon.docker("secret", "create", "api_key", file("dup", "y").toString());
        assertTrue(dup.err().contains("secret api_key already exists"), dup.both());
        var status = daemon.http().post("/v1.45/secrets/create", "{\"Name\":\"api_key\",\"Data\":\"eQ==\"}");
        assertEquals(409, status.status(), status.body());
        var bigConfig = daemon.docker("config", "create", "bigc", file("bigc", "x".repeat(1000 * 1024)).toString());
        assertTrue(bigConfig.err().contains("config data must be larger than 0 and less than 1024000 bytes"), bigConfig.both());
        var unknown = daemon.http().post("/v1.45/services/create", "{\"Name\":\"ghost\",\"TaskTemplate\":{\"ContainerSpec\":{"
                + "\"Image\":\"busybox\",\"Secrets\":[{\"SecretID\":\"nosuchsecretid000000000000\",\"SecretName\":\"nope\","
                + "\"File\":{\"Name\":\"nope\",\"UID\":\"0\",\"GID\":\"0\",\"Mode\":292}}]}}}");
        assertEquals(400, unknown.status(), unknown.body());
        assertTrue(unknown.body().contains("secret not found: nope"), unknown.body());
        var missing = daemon.docker("service", "create", "--secret", "nope", "busybox", "sleep", "1");
        assertTrue(missing.err().contains("secret not found: nope"), missing.both());
    }

    @Test
    @Order(7)
    void noValueReachesTheDisk() throws Exception {
        // Removed services take their tasks' files with them.
        daemon.dockerOk("service", "rm", "app", "plain");
        eventually(CONVERGE, () -> {
            try {
                return DiskSearch.filesContaining(executorTmpfs(), other, false).isEmpty();
            } catch (IOException e) {
                return false;
            }
        });
        for (String v : List.of(value, rotated, other)) {
            assertEquals(List.of(), DiskSearch.filesContaining(daemon.dataDir(), v, true), "on the node's disk: " + v);
        }
    }
}
