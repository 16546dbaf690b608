package io.shoal.agent;

import static io.shoal.agent.TestSupport.alive;
import static io.shoal.agent.TestSupport.shTask;
import static io.shoal.agent.TestSupport.until;
import static io.shoal.api.TaskState.COMPLETE;
import static io.shoal.api.TaskState.FAILED;
import static io.shoal.api.TaskState.READY;
import static io.shoal.api.TaskState.REJECTED;
import static io.shoal.api.TaskState.RUNNING;
import static io.shoal.api.TaskState.SHUTDOWN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.agent.exec.process.ProcessExecutor;
import io.shoal.api.Ids;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent, its worker and task runners against a fake dispatcher, running real processes. */
class AgentTest {
    @TempDir Path tmp;
    private final List<FakeDispatcher> dispatchers = new ArrayList<>();
    private final List<Agent> agents = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();
    /** What the agents told their node about itself: "role worker", "removed: why". */
    private final List<String> told = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Agent.Listener listener = new Agent.Listener() {
        @Override
        public void certifiedRole(io.shoal.pki.NodeRole role) {
            told.add("role " + role.apiName());
        }

        @Override
        public void wantedTls(io.shoal.api.Node.TlsInfo tls) {
        }

        @Override
        public void removed(String reason) {
            told.add("removed: " + reason);
        }
    };

    @AfterEach
    void cleanUp() throws InterruptedException {
        agents.forEach(Agent::close);
        dispatchers.forEach(d -> d.pids().forEach(TestSupport::killGroup));
        // Each task's monitor writes its exit code after the kill: let it finish before the temp dir goes.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (monitorsAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        dispatchers.forEach(d -> assertEquals(List.of(), d.backwards(), "states only move forward"));
    }

    private boolean monitorsAlive() {
        String dir = tmp.toString();
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments()
                .map(a -> java.util.Arrays.stream(a).anyMatch(x -> x.startsWith(dir))).orElse(false));
    }

    /** An agent on this test's state dir, as a daemon (re)starting on it would create one. */
    private FakeDispatcher startAgent(Task... tasks) throws IOException {
        var dispatcher = new FakeDispatcher();
        for (Task t : tasks) dispatcher.put(t);
        var executor = new ProcessExecutor(tmp.resolve("exec"), "host-1", "0.1.0", Map.of("test", "yes"));
        var worker = new Worker(executor, tmp.resolve("worker"), io.shoal.pki.DataKey.generate());
        var agent = new Agent("node-1", "127.0.0.1", dispatcher, executor, worker, listener, () -> null);
        dispatchers.add(dispatcher);
        workers.add(worker);
        agents.add(agent);
        agent.start();
        return dispatcher;
    }

    @Test
    void everyHeartbeatTellsTheNodeItsCertifiedRole() throws IOException {
        var d = startAgent();
        until("a heartbeat", () -> told.contains("role worker"));
        d.role = io.shoal.pki.NodeRole.MANAGER;
        until("the promotion reported", () -> told.contains("role manager"));
    }

    @Test
    void aRemovedNodeStopsAndSaysWhy() throws IOException {
        var d = startAgent();
        until("a heartbeat", () -> told.contains("role worker"));
        d.removed = true;
        until("the removal reported", () -> told.stream().anyMatch(t -> t.startsWith("removed: ")));
        assertEquals(List.of("removed: node node-1 was removed from the swarm"),
                told.stream().filter(t -> t.startsWith("removed")).toList(), "said once");
        // The session loop, the only caller of register, has ended: the agent tries no more.
        until("the session loop to end", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("agent-session") && t.isAlive()));
    }

    private static long pid(FakeDispatcher d, Task t) {
        return d.last(t.id()).containerStatus().pid();
    }

    @Test
    void exitZeroCompletesAndNonZeroFails() throws IOException {
        Task ok = shTask("exit 0", RUNNING, Map.of());
        Task bad = shTask("exit 3", RUNNING, Map.of());
        var d = startAgent(ok, bad);

        until("both ended", () -> d.reached(ok.id(), COMPLETE) && d.reached(bad.id(), FAILED));
        assertEquals(COMPLETE, d.last(ok.id()).state());
        assertEquals(0, d.last(ok.id()).containerStatus().exitCode());
        assertEquals(Ids.containerIdOf(ok.id()), d.last(ok.id()).containerStatus().containerId());
        var failed = d.last(bad.id());
        assertEquals(FAILED, failed.state());
        assertEquals("task: non-zero exit (3)", failed.message());
        assertEquals("task: non-zero exit (3)", failed.err());
        assertEquals(3, failed.containerStatus().exitCode());
        assertTrue(failed.containerStatus().pid() > 0);
        assertEquals("host-1", d.description.hostname());
    }

    @Test
    void statusesMoveForwardAndArriveBatched() throws IOException {
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 5; i++) tasks.add(shTask("exec sleep 300", RUNNING, Map.of()));
        var d = startAgent(tasks.toArray(Task[]::new));

        until("all running", () -> tasks.stream().allMatch(t -> d.reached(t.id(), RUNNING)));
        for (Task t : tasks) {
            List<TaskState> states = d.states(t.id());
            for (int i = 1; i < states.size(); i++) assertTrue(states.get(i).isAfter(states.get(i - 1)), states.toString());
        }
        assertTrue(d.batches().stream().anyMatch(b -> b.size() > 1), "some batch carries several tasks: " + d.batches());
    }

    @Test
    void desiredReadyIsPreparedButNotStarted() throws IOException {
        Task t = shTask("exec sleep 300", READY, Map.of());
        var d = startAgent(t);

        until("ready", () -> d.reached(t.id(), READY));
        assertEquals(READY, d.last(t.id()).state());
        assertNull(d.last(t.id()).containerStatus(), "no process yet");
        assertFalse(Files.exists(tmp.resolve("exec").resolve(t.id()).resolve("pids")));

        d.put(t.withDesiredState(RUNNING));
        until("running", () -> d.reached(t.id(), RUNNING));
        assertTrue(alive(pid(d, t)));
    }

    @Test
    void desiredShutdownStopsWithTheStopSignal() throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Task t = shTask("trap 'exit 0' TERM; touch trapped; while :; do sleep 0.02; done", RUNNING, Map.of("Dir", work.toString()));
        var d = startAgent(t);
        // RUNNING comes as the process starts; the signal must come after the shell set its trap.
        until("trap set", () -> d.reached(t.id(), RUNNING) && Files.exists(work.resolve("trapped")));
        long pid = pid(d, t);

        d.put(t.withDesiredState(SHUTDOWN));
        until("shut down", () -> d.reached(t.id(), SHUTDOWN));
        var s = d.last(t.id());
        assertEquals(SHUTDOWN, s.state());
        assertEquals(0, s.containerStatus().exitCode(), "it ran its TERM trap");
        assertFalse(alive(pid));
    }

    @Test
    void removalStopsTheProcessAndDeletesItsState() throws IOException {
        Task t = shTask("exec sleep 300", RUNNING, Map.of());
        var d = startAgent(t);
        until("running", () -> d.reached(t.id(), RUNNING));
        long pid = pid(d, t);

        d.remove(t.id());
        until("removed", () -> workers.getLast().taskIds().isEmpty());
        assertFalse(alive(pid));
        assertFalse(Files.exists(tmp.resolve("exec").resolve(t.id())));
        assertFalse(Files.exists(tmp.resolve("worker/tasks").resolve(t.id() + ".task")));
    }

    @Test
    void prepareErrorRejectsAndStartErrorFails() throws IOException {
        Task noCommand = shTask("", RUNNING, Map.of("Args", List.of()));
        Task notFound = shTask("", RUNNING, Map.of("Args", List.of("no-such-command-xyz")));
        var d = startAgent(noCommand, notFound);

        until("both ended", () -> d.reached(noCommand.id(), REJECTED) && d.reached(notFound.id(), FAILED));
        assertEquals("no command: the process executor runs ContainerSpec.Command and Args", d.last(noCommand.id()).err());
        assertEquals(REJECTED, d.last(noCommand.id()).state());
        assertEquals("exec: \"no-such-command-xyz\": executable file not found in $PATH", d.last(notFound.id()).message());
        assertEquals(FAILED, d.last(notFound.id()).state());
    }

    @Test
    void registersAgainWhenTheSessionIsLostAndRetriesStatuses() throws IOException {
        var d = startAgent();
        until("registered", () -> d.registrations() == 1);

        d.invalidateSessions();
        until("registered again", () -> d.registrations() >= 2);

        d.failNextStatusCalls(2);
        Task t = shTask("exit 0", RUNNING, Map.of());
        d.put(t);
        until("complete delivered", () -> d.reached(t.id(), COMPLETE));
    }

    @Test
    void aNewSessionReportsEveryTaskAgainInCaseTheOldLeaderLostTheReports() throws IOException {
        Task t = shTask("exec sleep 300", RUNNING, Map.of());
        var d = startAgent(t);
        until("running", () -> d.reached(t.id(), RUNNING));

        d.loseReceivedStatuses();
        d.invalidateSessions();
        until("running reported again", () -> d.reached(t.id(), RUNNING));
    }

    @Test
    void restartedDaemonReadoptsRunningTasksAndLearnsHowOthersEnded() throws IOException {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Task keeps = shTask("echo started >> starts; exec sleep 300", RUNNING, Map.of("Dir", work.toString()));
        Task ends = shTask("while [ ! -e go ]; do sleep 0.02; done; exit 7", RUNNING, Map.of("Dir", work.toString()));
        var first = startAgent(keeps, ends);
        until("both running", () -> first.reached(keeps.id(), RUNNING) && first.reached(ends.id(), RUNNING));
        long keptPid = pid(first, keeps);
        long endedPid = pid(first, ends);

        agents.getLast().close(); // the daemon goes away; its processes stay
        Files.createFile(work.resolve("go"));
        until("the second task ended while the daemon was down", () -> !alive(endedPid));

        var second = startAgent(keeps, ends);
        until("both reported", () -> second.reached(keeps.id(), RUNNING) && second.reached(ends.id(), FAILED));
        assertEquals(RUNNING, second.last(keeps.id()).state());
        assertEquals(keptPid, pid(second, keeps), "the same process");
        assertTrue(alive(keptPid));
        assertEquals(List.of("started"), Files.readAllLines(work.resolve("starts")), "not started twice");
        assertEquals("task: non-zero exit (7)", second.last(ends.id()).message());
        assertEquals(7, second.last(ends.id()).containerStatus().exitCode());

        second.put(keeps.withDesiredState(SHUTDOWN));
        until("the re-adopted task shut down", () -> second.reached(keeps.id(), SHUTDOWN));
        assertFalse(alive(keptPid));
    }
}
