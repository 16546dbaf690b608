package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.ServicePs.runningPerNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.pki.NodeCertificates;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestNetwork.Host;
import io.shoal.testkit.TestSwarm;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node certificates are renewed before they expire and the swarm keeps working on the renewed
 * ones. The cluster's {@code --cert-expiry} is 10 s, below swarmkit's 1 h minimum, which the
 * daemons allow only because they run with the testing property {@code shoal.testing.minNodeCertExpiry}.
 */
@ExtendWith(Hosts.class)
class CertificateRenewalTest {
    static final Duration EXPIRY = Duration.ofSeconds(10);

    @Test
    void certificatesAreRenewedBeforeTheyExpireAndTheNodesKeepWorking(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(2)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(1, 1).withLaunch(CertificateRenewalTest::withShortCertificates));
            DaemonProcess manager = swarm.daemon(1), worker = swarm.daemon(2);
            swarm.init("--cert-expiry", "10s", "--dispatcher-heartbeat", "1s");
            assertTrue(manager.dockerOk("info").contains("Expiry Duration: 10 seconds"), manager.dockerOk("info"));
            swarm.join(swarm.tokens());
            manager.dockerOk("service", "create", "--detach", "--name", "web", "--replicas", "2", "busybox", "sleep", "1000");

            Path managerCert = certificates(manager), workerCert = certificates(worker);
            X509Certificate first = read(workerCert);
            assertEquals(EXPIRY.plusSeconds(EXPIRY.toSeconds()).toSeconds(),
                    Duration.between(first.getNotBefore().toInstant(), first.getNotAfter().toInstant()).toSeconds(),
                    "valid for the cluster's expiry, backdated by as much");
            Set<BigInteger> managerSerials = new LinkedHashSet<>(), workerSerials = new LinkedHashSet<>();
            List<String> problems = new ArrayList<>();
            // Three lifetimes of the first certificate: each node must renew every time, or its
            // certificate expires and the other side refuses it.
            Instant until = first.getNotAfter().toInstant().plus(EXPIRY.multipliedBy(2));
            while (Instant.now().isBefore(until)) {
                managerSerials.add(read(managerCert).getSerialNumber());
                workerSerials.add(read(workerCert).getSerialNumber());
                for (Path p : List.of(managerCert, workerCert)) {
                    if (!read(p).getNotAfter().toInstant().isAfter(Instant.now())) problems.add(p + " expired at " + Instant.now());
                }
                Thread.sleep(500);
            }
            assertTrue(problems.isEmpty(), problems.toString());
            assertTrue(managerSerials.size() >= 3, "the manager renewed at least twice: " + managerSerials);
            assertTrue(workerSerials.size() >= 3, "the worker renewed at least twice: " + workerSerials);

            // Still one swarm: the worker's session is alive, and new work reaches it.
            assertEquals("ready", manager.dockerOk("node", "inspect", "h2", "--format", "{{.Status.State}}").trim());
            manager.dockerOk("service", "scale", "--detach", "web=4");
            try {
                eventually(Duration.ofSeconds(30), () -> runningPerNode(manager, "web").equals(Map.of("h1", 2L, "h2", 2L)));
            } catch (AssertionError e) {
                throw new AssertionError(manager.dockerOk("service", "ps", "web") + "\n--- h2 log:\n" + worker.log(), e);
            }
            assertTrue(worker.log().contains("renewed the node certificate through " + net.host(1).address() + ":2377"), worker.log());
        }
    }

    /** The host's daemon, allowed certificates as short as 5 s (a JVM property, through nsenter's exec chain). */
    private static DaemonProcess.Options withShortCertificates(Host h) throws IOException {
        List<String> prefix = new ArrayList<>(h.command());
        prefix.addAll(List.of("env", "JAVA_TOOL_OPTIONS=-Dshoal.testing.minNodeCertExpiry=PT5S"));
        return h.daemonOptions().withCommandPrefix(prefix);
    }

    private static Path certificates(DaemonProcess d) {
        return d.dataDir().resolve("swarm/certificates");
    }

    /** The node's own certificate, as the daemon loads it: the file holds key and certificate together. */
    private static X509Certificate read(Path certificates) throws Exception {
        return NodeCertificates.load(certificates).orElseThrow().tls().certChain().getFirst();
    }
}
