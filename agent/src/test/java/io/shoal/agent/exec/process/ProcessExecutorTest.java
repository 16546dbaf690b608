package io.shoal.agent.exec.process;

import static io.shoal.agent.TestSupport.alive;
import static io.shoal.agent.TestSupport.shTask;
import static io.shoal.agent.TestSupport.until;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.agent.TestSupport;
import io.shoal.agent.exec.ExecException;
import io.shoal.agent.exec.Exit;
import io.shoal.agent.exec.TaskController;
import io.shoal.api.TaskState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessExecutorTest {
    @TempDir Path tmp;
    private ProcessExecutor executor;
    private final List<TaskController> controllers = new ArrayList<>();

    @BeforeEach
    void setUp() {
        executor = new ProcessExecutor(tmp.resolve("exec"), "host-1", "0.1.0", Map.of("k", "v"));
    }

    @AfterEach
    void killEverything() {
        controllers.forEach(c -> TestSupport.killGroup(c.pid()));
    }

    private TaskController started(String script, Map<String, Object> extra) throws ExecException {
        var c = executor.controller(shTask(script, TaskState.RUNNING, extra));
        controllers.add(c);
        c.prepare();
        c.start();
        return c;
    }

    private Path taskDir(TaskController c) throws IOException {
        try (var dirs = Files.list(tmp.resolve("exec"))) {
            return dirs.filter(d -> Files.exists(d.resolve("pids"))).filter(d -> {
                try {
                    return Files.readString(d.resolve("pids")).strip().endsWith(" " + c.pid());
                } catch (IOException e) {
                    return false;
                }
            }).findFirst().orElseThrow();
        }
    }

    @Test
    void runsCommandAndArgsWithEnvInDir() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        var c = started(null, Map.of(
                "Command", List.of("sh", "-c"),
                "Args", List.of("echo \"$GREETING from $(pwd)\"; env | cut -d= -f1; echo oops >&2"),
                "Env", List.of("GREETING=hello", "HOME=/nowhere"),
                "Dir", work.toString()));

        assertEquals(new Exit(0, false), c.await());
        List<String> out = Files.readAllLines(taskDir(c).resolve("stdout.log"));
        assertEquals("hello from " + work, out.getFirst());
        Set<String> names = new TreeSet<>(out.subList(1, out.size()));
        names.removeAll(Set.of("PWD", "SHLVL", "_", "OLDPWD")); // set by sh itself
        assertEquals(Set.of("GREETING", "HOME", "PATH"), names, "only PATH, HOME and the spec's Env");
        assertEquals("oops\n", Files.readString(taskDir(c).resolve("stderr.log")));
        assertEquals("busybox:latest\n", Files.readString(taskDir(c).resolve("image")));
    }

    @Test
    void reportsTheExitCode() throws Exception {
        assertEquals(new Exit(3, false), started("exit 3", Map.of()).await());
    }

    @Test
    void refusesWhatItCannotRun() {
        var noCommand = executor.controller(shTask(null, TaskState.RUNNING, Map.of("Args", List.of())));
        assertEquals("no command: the process executor runs ContainerSpec.Command and Args",
                assertThrows(ExecException.class, noCommand::prepare).getMessage());
        var noDir = executor.controller(shTask("true", TaskState.RUNNING, Map.of("Dir", tmp.resolve("missing").toString())));
        assertTrue(assertThrows(ExecException.class, noDir::prepare).getMessage().contains("does not exist"));
        var badSignal = executor.controller(shTask("true", TaskState.RUNNING, Map.of("StopSignal", "SIGNOPE")));
        assertEquals("invalid stop signal: SIGNOPE", assertThrows(ExecException.class, badSignal::prepare).getMessage());
        // A process here would be in the host's network: a task on an overlay network is refused, never run there.
        var appnet = io.shoal.api.Json.MAPPER.convertValue(Map.of("ID", "n1", "Spec", Map.of("Name", "appnet")), io.shoal.api.Network.class);
        var onNetwork = executor.controller(shTask("true", TaskState.RUNNING, Map.of())
                .withNetworksAttachments(List.of(new io.shoal.api.Task.NetworkAttachment(appnet, List.of("10.0.1.5/24")))));
        assertTrue(assertThrows(ExecException.class, onNetwork::prepare).getMessage().contains("no overlay networking"));
        // The swarm's host network is where its processes run anyway.
        var host = io.shoal.api.Json.MAPPER.convertValue(Map.of("ID", "n2", "Spec", Map.of("Name", "host",
                "Labels", Map.of(io.shoal.api.Network.PREDEFINED, "true"))), io.shoal.api.Network.class);
        var onHost = executor.controller(shTask("true", TaskState.RUNNING, Map.of())
                .withNetworksAttachments(List.of(new io.shoal.api.Task.NetworkAttachment(host, List.of()))));
        assertDoesNotThrow(onHost::prepare);
        assertEquals(List.of(), executor.describe().engine().plugins() == null ? List.of() : executor.describe().engine().plugins(),
                "nor does the node offer the overlay driver");
    }

    @Test
    void shutdownSendsTheStopSignalAndTheProcessMayExitCleanly() throws Exception {
        var c = started("trap 'exit 0' TERM; echo ready; while :; do sleep 0.02; done", Map.of("StopGracePeriod", 10_000_000_000L));
        Path stdout = taskDir(c).resolve("stdout.log");
        until("trap set", () -> read(stdout).contains("ready"));

        long t0 = System.nanoTime();
        c.shutdown();
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(5)) < 0, "did not wait for the grace period");
        assertEquals(new Exit(0, false), c.await());
    }

    @Test
    void shutdownUsesTheSpecsStopSignal() throws Exception {
        var c = started("trap 'exit 4' USR1; echo ready; while :; do sleep 0.02; done", Map.of("StopSignal", "SIGUSR1"));
        until("trap set", () -> read(taskDirUnchecked(c).resolve("stdout.log")).contains("ready"));
        c.shutdown();
        assertEquals(new Exit(4, false), c.await());
    }

    @Test
    void shutdownKillsAProcessThatIgnoresTheSignalAfterTheGracePeriod() throws Exception {
        long grace = Duration.ofMillis(300).toNanos();
        var c = started("trap '' TERM; echo ready; while :; do sleep 0.02; done", Map.of("StopGracePeriod", grace));
        until("trap set", () -> read(taskDirUnchecked(c).resolve("stdout.log")).contains("ready"));

        long t0 = System.nanoTime();
        c.shutdown();
        assertTrue(System.nanoTime() - t0 >= grace, "waited for the grace period");
        assertEquals(new Exit(137, false), c.await());
        assertFalse(alive(c.pid()));
    }

    @Test
    void removeKillsAndDeletes() throws Exception {
        var c = started("exec sleep 300", Map.of());
        Path dir = taskDir(c);
        c.remove();
        assertFalse(alive(c.pid()));
        assertFalse(Files.exists(dir));
    }

    @Test
    void describesTheNodeAsDockerDoes() {
        var d = executor.describe();
        assertEquals("host-1", d.hostname());
        assertEquals("linux", d.platform().os());
        assertEquals("x86_64".equals(System.getProperty("os.arch")) || "amd64".equals(System.getProperty("os.arch"))
                ? "x86_64" : System.getProperty("os.arch"), d.platform().architecture());
        assertEquals(Runtime.getRuntime().availableProcessors() * 1_000_000_000L, d.resources().nanoCPUs());
        assertTrue(d.resources().memoryBytes() > 0);
        assertEquals("0.1.0", d.engine().engineVersion());
        assertEquals(Map.of("k", "v"), d.engine().labels());
    }

    private Path taskDirUnchecked(TaskController c) {
        try {
            return taskDir(c);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** No private tmpfs without root: a task with secrets fails, it never runs without them. */
    @Test
    void refusesTasksWithSecrets() {
        var c = executor.controller(shTask("true", TaskState.RUNNING, Map.of("Secrets", List.of(Map.of("SecretID", "s1",
                "SecretName", "pw", "File", Map.of("Name", "pw", "UID", "0", "GID", "0", "Mode", 292))))));
        var e = assertThrows(ExecException.class, c::prepare);
        assertTrue(e.getMessage().startsWith("secrets and configs need the oci executor"), e.getMessage());
    }
}
