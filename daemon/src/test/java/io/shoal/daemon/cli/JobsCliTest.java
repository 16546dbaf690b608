package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Job services through the docker CLI on a one-node swarm (process executor): a replicated job
 * runs to its completions with at most MaxConcurrent tasks at once, {@code service ls} shows
 * Docker's job column, {@code update --force} runs the job again as a new iteration, failed runs
 * are retried as the restart policy says, and a global job runs once on the node.
 */
class JobsCliTest {
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    @RegisterExtension
    static final OneNodeSwarm SWARM = new OneNodeSwarm("shoal-jobs");
    private static DaemonProcess daemon;

    @BeforeAll
    static void initialized() {
        daemon = SWARM.daemon();
    }

    private static String docker(String... args) {
        return SWARM.docker(args);
    }

    /** The current state of each of the service's tasks, as {@code service ps} shows it ("Running", "Complete", ...). */
    private static List<String> states(String service) {
        String out = docker("service", "ps", service, "--no-trunc", "--format", "{{.CurrentState}}").trim();
        if (out.isEmpty()) return List.of();
        return Arrays.stream(out.split("\n")).map(l -> l.split(" ")[0]).toList();
    }

    private static long count(List<String> states, String state) {
        return states.stream().filter(state::equals).count();
    }

    private static String replicasColumn(String service) {
        return docker("service", "ls", "--filter", "name=" + service, "--format", "{{.Replicas}}").trim();
    }

    @Test
    void replicatedJobCompletesExactlyNTimesWithAtMostMAtOnce() {
        docker("service", "create", "--detach", "--name", "batch", "--mode", "replicated-job", "--replicas", "6",
                "--max-concurrent", "2", "busybox", "sh", "-c", "sleep 1");
        long mostAtOnce = 0;
        long deadline = System.nanoTime() + CONVERGE.toNanos();
        List<String> states = states("batch");
        while (count(states, "Complete") < 6) {
            mostAtOnce = Math.max(mostAtOnce, count(states, "Running"));
            assertTrue(System.nanoTime() < deadline, "job not complete: " + states);
            states = states("batch");
        }
        assertTrue(mostAtOnce <= 2, "at most 2 running at once, saw " + mostAtOnce);
        assertTrue(mostAtOnce >= 1, "sampled it running");
        assertEquals(6, states.size(), "exactly 6 tasks, all complete: " + states);
        assertEquals("0/2 (6/6 completed)", replicasColumn("batch"));
        // Iteration 0, which Docker's JSON leaves out as it leaves out every zero version index.
        assertEquals("{}", docker("service", "inspect", "batch", "--format", "{{json .JobStatus.JobIteration}}").trim());
    }

    @Test
    void updateForceRunsTheJobAgainAndKeepsTheFirstRunAsHistory() {
        docker("service", "create", "--name", "again", "--mode", "replicated-job", "--replicas", "2",
                "busybox", "true");
        assertEquals(List.of("Complete", "Complete"), states("again"), "create waits for the job to complete");
        docker("service", "update", "--force", "again");
        assertEquals("{\"Index\":1}", docker("service", "inspect", "again", "--format", "{{json .JobStatus.JobIteration}}").trim());
        List<String> desired = Arrays.stream(docker("service", "ps", "again", "--format", "{{.DesiredState}} {{.CurrentState}}")
                .trim().split("\n")).map(l -> l.split(" ")[0] + " " + l.split(" ")[1]).sorted().toList();
        assertEquals(List.of("Complete Complete", "Complete Complete", "Shutdown Complete", "Shutdown Complete"), desired);
        assertEquals("0/2 (2/2 completed)", replicasColumn("again"));
    }

    @Test
    void failedRunsAreRetriedAsTheRestartPolicySays() {
        docker("service", "create", "--detach", "--name", "failing", "--mode", "replicated-job", "--replicas", "1",
                "--restart-max-attempts", "2", "--restart-delay", "0s", "busybox", "sh", "-c", "exit 3");
        eventually(CONVERGE, () -> count(states("failing"), "Failed") == 3);
        assertEquals(List.of("Failed", "Failed", "Failed"), states("failing"), "the first run and two attempts, then no more");
        assertEquals("0/1 (0/1 completed)", replicasColumn("failing"));
    }

    @Test
    void globalJobRunsOnceOnTheNode() {
        docker("service", "create", "--name", "once", "--mode", "global-job", "busybox", "true");
        assertEquals(List.of("Complete"), states("once"));
        assertEquals("0/0 (1/1 completed)", replicasColumn("once"));
    }
}
