package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code docker service logs} as a user runs it, against a real daemon with the process executor. */
class LogsCliTest {
    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final String COUNTER = "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done";
    /** web.1.abcdefghijkl@shoal-test    | line 7 */
    static final Pattern PRETTY = Pattern.compile("web\\.(\\d+)\\.([a-z0-9]{12})@shoal-test +\\| line (\\d+)");
    @RegisterExtension
    static final OneNodeSwarm SWARM = new OneNodeSwarm("shoal-logs");
    static DaemonProcess daemon;

    @BeforeAll
    static void initialized() {
        daemon = SWARM.daemon();
    }

    static String logs(String... args) {
        List<String> all = new ArrayList<>(List.of("service", "logs"));
        all.addAll(Arrays.asList(args));
        try {
            return daemon.dockerOk(all.toArray(String[]::new));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The numbers of the lines each task (by its short id) printed, as {@code docker service logs} shows them. */
    static Map<String, List<Integer>> byTask(String out) {
        return out.lines().map(PRETTY::matcher).filter(Matcher::matches)
                .collect(Collectors.groupingBy(m -> m.group(2), Collectors.mapping(m -> Integer.parseInt(m.group(3)), Collectors.toList())));
    }

    @Test
    void serviceLogsShowEachTasksLinesAsDockerDoes() throws Exception {
        daemon.dockerOk("service", "create", "--name", "web", "--replicas", "2", "busybox", "sh", "-c", COUNTER);
        eventually(DEADLINE, () -> {
            Map<String, List<Integer>> tasks = byTask(logs("web"));
            return tasks.size() == 2 && tasks.values().stream().allMatch(l -> l.contains(3));
        });
        String out = logs("web");
        for (String line : out.lines().toList()) assertTrue(PRETTY.matcher(line).matches(), "not Docker's format: " + line + "\n" + out);
        for (List<Integer> numbers : byTask(out).values()) {
            assertEquals(0, numbers.getFirst(), out);
            for (int i = 0; i < numbers.size(); i++) assertEquals(i, numbers.get(i), "lines of a task in order: " + out);
        }

        // --tail 2: the last two lines of each task
        String tail = logs("--tail", "2", "web");
        Map<String, List<Integer>> tailed = byTask(tail);
        assertEquals(2, tailed.size(), tail);
        for (List<Integer> l : tailed.values()) {
            assertEquals(2, l.size(), tail);
            assertEquals(l.get(0) + 1, l.get(1), tail);
        }
        assertEquals(4, tail.lines().count(), tail);

        // -t: RFC 3339 with nine digits first
        String stamped = logs("-t", "--tail", "1", "web");
        assertEquals(2, stamped.lines().count(), stamped);
        for (String line : stamped.lines().toList()) {
            assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z web\\.\\d\\.[a-z0-9]{12}@shoal-test +\\| line \\d+"), line);
        }

        // a task by its id; --no-task-ids; --raw
        String taskId = daemon.dockerOk("service", "ps", "-q", "--no-trunc", "--filter", "desired-state=running", "web").lines().findFirst().orElseThrow().trim();
        String one = logs(taskId);
        Map<String, List<Integer>> oneTask = byTask(one);
        assertEquals(List.of(taskId.substring(0, 12)), List.copyOf(oneTask.keySet()), one);
        String noIds = logs("--no-task-ids", "--tail", "1", "web");
        for (String line : noIds.lines().toList()) assertTrue(line.matches("web\\.\\d@shoal-test +\\| line \\d+"), line);
        String raw = logs("--raw", "--tail", "3", taskId);
        assertEquals(3, raw.lines().count(), raw);
        for (String line : raw.lines().toList()) assertTrue(line.matches("line \\d+"), raw);
    }

    @Test
    void stderrLinesComeThroughAsStderr() throws Exception {
        daemon.dockerOk("service", "create", "--name", "web", "--replicas", "1", "busybox", "sh", "-c",
                "i=0; while true; do echo out $i; echo err $i >&2; i=$((i+1)); sleep 0.2; done");
        eventually(DEADLINE, () -> {
            try {
                var r = daemon.docker("service", "logs", "web");
                return r.out().contains("| out 2") && r.err().contains("| err 2");
            } catch (Exception e) {
                return false;
            }
        });
        var r = daemon.docker("service", "logs", "web");
        assertFalse(r.out().contains("| err "), r.out());
        assertFalse(r.err().contains("| out "), r.err());

        // docker logs of the task's container on this node: the same lines, without the task prefix.
        String container = daemon.dockerOk("ps", "-q", "--no-trunc", "--filter", "name=web.1.").trim();
        // --tail counts the lines of both streams together, as Docker's does.
        var c = daemon.docker("logs", "--tail", "4", container);
        assertEquals(0, c.exit(), c.both());
        assertTrue(c.out().lines().allMatch(l -> l.matches("out \\d+")), c.out());
        assertTrue(c.err().lines().allMatch(l -> l.matches("err \\d+")), c.err());
        assertEquals(4, c.out().lines().count() + c.err().lines().count(), c.both());
        assertTrue(c.out().lines().count() > 0 && c.err().lines().count() > 0, c.both());
    }

    @Test
    void followShowsNewLinesAsTheyAreWrittenUntilInterrupted() throws Exception {
        daemon.dockerOk("service", "create", "--name", "web", "--replicas", "1", "busybox", "sh", "-c", COUNTER);
        eventually(DEADLINE, () -> byTask(logs("web")).values().stream().anyMatch(l -> !l.isEmpty()));
        Process follower = daemon.dockerProcess("service", "logs", "-f", "web").redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = Thread.ofVirtual().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(follower.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) lines.add(l);
            } catch (Exception e) {
                // the process was killed
            }
        });
        try {
            int first = -1;
            int seen = -1;
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (first < 0 || seen < first + 5) {
                String l = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (l == null) throw new AssertionError("no new lines followed; last seen " + seen);
                Matcher m = PRETTY.matcher(l);
                assertTrue(m.matches(), l);
                int n = Integer.parseInt(m.group(3));
                if (first < 0) {
                    // the history ends with the newest line written so far
                    String now = logs("--tail", "1", "web");
                    first = byTask(now).values().iterator().next().getFirst();
                }
                if (seen >= 0) assertEquals(seen + 1, n, "followed lines in order, none lost or repeated");
                seen = n;
            }
            assertTrue(follower.isAlive(), "-f keeps following");
        } finally {
            follower.destroy();
            assertTrue(follower.waitFor(10, TimeUnit.SECONDS));
            pump.join(Duration.ofSeconds(10));
        }
    }
}
