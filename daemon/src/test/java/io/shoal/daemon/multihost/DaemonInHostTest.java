package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real shoal daemons inside TestNetwork hosts: each in its own namespace on {@code <addr>:2377},
 * driven through its unix socket and the docker CLI; SIGSTOP/SIGCONT and SIGKILL faults.
 */
@ExtendWith(Hosts.class)
class DaemonInHostTest {
    static final Duration START = Duration.ofSeconds(60);

    @Test
    void daemonsInHostsSwarmInitStopAndContinue(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(2)) {
            Host h1 = net.host(1), h2 = net.host(2);
            long t0 = System.nanoTime();
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(1, 1));
            DaemonProcess d1 = swarm.daemon(1), d2 = swarm.daemon(2);
            System.out.printf("two daemons answering /_ping after %.0f ms%n", (System.nanoTime() - t0) / 1e6);
            assertEquals(h1.address() + ":2377", d1.listenAddr());
            assertEquals(h2.address() + ":2377", d2.listenAddr(), "the same port on every host");
            assertTrue(ProcessHandle.of(d1.pid()).orElseThrow().info().command().orElse("").endsWith("java"),
                    "nsenter exec'd the JVM, so the pid is the daemon's");
            assertEquals(200, d1.http().get("/_ping").status());

            String init = swarm.init();
            assertTrue(init.contains("Swarm initialized"), init);
            assertEquals(h1.address(), d1.dockerOk("info", "--format", "{{.Swarm.NodeAddr}}").trim());
            assertEquals("h1", d1.dockerOk("info", "--format", "{{.Name}}").trim());
            System.out.println("h2 reaches h1:2377: " + h2.canConnect(h1.address(), 2377, Duration.ofMillis(500))
                    + ", h1:2378: " + h2.canConnect(h1.address(), 2378, Duration.ofMillis(500)));

            d1.sigstop();
            long stopped = System.nanoTime();
            assertFalse(d1.ping(Duration.ofMillis(500)), "a frozen daemon does not answer /_ping");
            assertTrue(d2.ping(Duration.ofSeconds(5)), "the other host's daemon is not affected");
            d1.sigcont();
            eventually(START, () -> d1.ping(Duration.ofSeconds(1)));
            System.out.printf("SIGSTOP to answering again after SIGCONT: %.0f ms%n", (System.nanoTime() - stopped) / 1e6);
            assertEquals(h1.address(), d1.dockerOk("info", "--format", "{{.Swarm.NodeAddr}}").trim());

            d2.kill9();
            assertFalse(d2.isAlive());
            assertFalse(d2.ping(Duration.ofMillis(500)));

            d1.sigstop(); // left frozen on purpose: close() must still stop it
        }
    }
}
