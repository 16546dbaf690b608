package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.TestSwarm.CONVERGE;
import static io.shoal.testkit.TestSwarm.managerStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three managers on three hosts: a global job runs exactly once on every node; a follower answers
 * {@code docker events} with the swarm's events (the job's creation, in a bounded query) and
 * streams a node going down when another manager is killed.
 */
@ExtendWith(Hosts.class)
class JobsAndEventsTest {
    @Test
    void globalJobOncePerNodeAndAFollowerStreamsTheSwarmsEvents(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(3)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(3, 0)).form(Duration.ofSeconds(1));
            DaemonProcess d1 = swarm.daemon(1), d2 = swarm.daemon(2), d3 = swarm.daemon(3);
            assertEquals("Leader", managerStatus(d1).get("h1"));
            String since = Long.toString(System.currentTimeMillis() / 1000 - 1);

            d1.dockerOk("service", "create", "--detach", "--name", "once", "--mode", "global-job", "busybox", "true");
            eventually(CONVERGE, () -> completedNodes(d1).size() == 3);
            assertEquals(List.of("h1", "h2", "h3"), completedNodes(d1), "once on every node, and no more");
            assertEquals("0/0 (3/3 completed)",
                    d1.dockerOk("service", "ls", "--filter", "name=once", "--format", "{{.Replicas}}").trim());

            String until = Long.toString(System.currentTimeMillis() / 1000 + 1);
            String fromFollower = d2.dockerOk("events", "--since", since, "--until", until, "--filter", "type=service",
                    "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Scope}}");
            assertTrue(fromFollower.lines().anyMatch("create once swarm"::equals), fromFollower);

            Process stream = d2.dockerProcess("events", "--filter", "type=node", "--format",
                    "{{.Actor.Attributes.name}} {{index .Actor.Attributes \"state.new\"}}").start();
            LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) lines.add(l.trim());
                } catch (Exception ignored) {
                    // ends when the test kills the client
                }
            });
            try {
                d3.kill9();
                String down = null;
                for (String l; down == null && (l = lines.poll(CONVERGE.toSeconds(), TimeUnit.SECONDS)) != null; ) {
                    if (l.equals("h3 down")) down = l;
                }
                assertEquals("h3 down", down, "the follower streams the node going down");
            } finally {
                stream.destroyForcibly();
            }
        }
    }

    /** The nodes where the job's tasks completed, sorted, one entry per completed task. */
    private static List<String> completedNodes(DaemonProcess d) {
        try {
            String out = d.dockerOk("service", "ps", "once", "--format", "{{.Node}} {{.CurrentState}}").trim();
            return Arrays.stream(out.split("\n")).filter(l -> l.contains(" Complete")).map(l -> l.split(" ")[0]).sorted().toList();
        } catch (Exception e) {
            return List.of();
        }
    }
}
