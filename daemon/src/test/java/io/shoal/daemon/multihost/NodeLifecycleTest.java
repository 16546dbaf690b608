package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningCount;
import static io.shoal.testkit.TestSwarm.CONVERGE;
import static io.shoal.testkit.TestSwarm.managerStatus;
import static io.shoal.testkit.TestSwarm.nodeStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's life in one swarm of two managers and a worker, driven by the docker CLI: the worker
 * is promoted and joins the Raft group; the leader is demoted, hands leadership over and goes on
 * as a worker; the managers refuse to lose their quorum or their last member; a manager leaves
 * with --force and the group goes on without it; a Ready node is removed only with --force, and
 * its certificate is refused from then on. Tasks keep running through promotion and demotion.
 */
@ExtendWith(Hosts.class)
class NodeLifecycleTest {
    @Test
    void promoteDemoteLeaveAndRemove(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(3)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(2, 1)).form(Duration.ofSeconds(1));
            DaemonProcess d1 = swarm.daemon(1), d2 = swarm.daemon(2), d3 = swarm.daemon(3);
            DaemonProcess[] all = {d1, d2, d3};
            assertEquals(Map.of("h1", "Leader", "h2", "Reachable", "h3", ""), managerStatus(d1));
            d1.dockerOk("service", "create", "--detach", "--name", "keep", "--mode", "global", "busybox", "sleep", "1000");
            await(all, () -> runningCount(d1, "keep") == 3);
            String tasks = d1.dockerOk("service", "ps", "-q", "keep");

            // Promotion: the worker gets a manager certificate, joins the Raft group and takes writes.
            d1.dockerOk("node", "promote", "h3");
            await(all, () -> "Reachable".equals(managerStatus(d1).get("h3")) && "true".equals(info(d3, "{{.Swarm.ControlAvailable}}")));
            d3.dockerOk("service", "update", "--detach", "--label-add", "written-by=h3", "keep");
            assertEquals("map[written-by:h3]", d1.dockerOk("service", "inspect", "-f", "{{.Spec.Labels}}", "keep").trim());

            // Demoting the leader: it hands leadership over, leaves the group and goes on as a worker.
            d2.dockerOk("node", "demote", "h1");
            await(all, () -> {
                Map<String, String> m = managerStatus(d2);
                return "".equals(m.get("h1")) && m.values().stream().filter(s -> !s.isEmpty()).sorted().toList()
                        .equals(List.of("Leader", "Reachable"));
            });
            await(all, () -> "false".equals(info(d1, "{{.Swarm.ControlAvailable}}")));
            assertTrue(err(d1, "node", "ls").contains("Worker nodes can't be used to view or modify cluster state"));
            d2.dockerOk("service", "update", "--detach", "--label-add", "written-by=h2", "keep");
            await(all, () -> runningCount(d2, "keep") == 3);
            assertEquals(tasks, d2.dockerOk("service", "ps", "-q", "keep"), "no task was replaced");

            // Two managers: leaving one of them would lose the quorum, and Docker says so.
            var leave = d2.docker("swarm", "leave");
            assertNotEquals(0, leave.exit());
            assertTrue(leave.err().contains("Removing this node leaves 1 managers out of 2. Without a Raft quorum your swarm "
                    + "will be inaccessible."), leave.err());

            // A Raft member cannot be removed; with --force a manager leaves and the group goes on without it.
            var rmManager = d2.docker("node", "rm", "--force", "h3");
            assertTrue(rmManager.err().contains("is a cluster manager and is a member of the raft cluster. It must be demoted "
                    + "to worker before removal"), rmManager.err());
            d3.dockerOk("swarm", "leave", "--force");
            await(all, () -> "Down".equals(nodeStatus(d2).get("h3")) && "".equals(managerStatus(d2).get("h3")));
            d2.dockerOk("service", "update", "--detach", "--label-add", "alone=yes", "keep");

            // The last manager stays one.
            var demoteLast = d2.docker("node", "demote", "h2");
            assertTrue(demoteLast.err().contains("attempting to demote the last manager of the swarm"), demoteLast.err());

            // A Ready node goes only with --force, and its certificate is refused from then on.
            var rmReady = d2.docker("node", "rm", "h1");
            assertTrue(rmReady.err().contains("is not down and can't be removed"), rmReady.err());
            d2.dockerOk("node", "rm", "--force", "h1");
            assertFalse(nodeStatus(d2).containsKey("h1"));
            // The removed node stops its agent and says why; leaving then clears it.
            await(all, () -> "error".equals(info(d1, "{{.Swarm.LocalNodeState}}")));
            assertTrue(info(d1, "{{.Swarm.Error}}").contains("was removed from the swarm"), info(d1, "{{.Swarm.Error}}"));
            assertTrue(d1.log().contains("this node was removed from the swarm; the agent stops"), "said once, then stopped");
            d1.dockerOk("swarm", "leave");
            assertEquals("inactive", info(d1, "{{.Swarm.LocalNodeState}}"));
        }
    }

    /** Waits for {@code condition}, failing with every daemon's view of the nodes and tasks, and its log's tail. */
    private static void await(DaemonProcess[] daemons, BooleanSupplier condition) {
        try {
            eventually(CONVERGE, condition);
        } catch (AssertionError e) {
            StringBuilder why = new StringBuilder();
            for (DaemonProcess d : daemons) {
                String log = d.log();
                why.append("\n--- ").append(d.options().hostname()).append(": ").append(managerStatus(d)).append("\n")
                        .append(err(d, "service", "ps", "keep")).append(out(d, "service", "ps", "keep"))
                        .append(log.substring(Math.max(0, log.length() - 4000)));
            }
            throw new AssertionError(e.getMessage() + why, e);
        }
    }

    private static String info(DaemonProcess d, String format) {
        return out(d, "info", "--format", format).trim();
    }

    private static String out(DaemonProcess d, String... args) {
        try {
            return d.docker(args).out();
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String err(DaemonProcess d, String... args) {
        try {
            return d.docker(args).err();
        } catch (Exception e) {
            return e.toString();
        }
    }
}
