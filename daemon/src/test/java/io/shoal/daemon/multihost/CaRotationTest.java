package io.shoal.daemon.multihost;

import static io.shoal.testkit.DaemonProcess.eventually;
import static io.shoal.testkit.TestSwarm.nodeStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.pki.IssuerInfo;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeKeys;
import io.shoal.pki.Pem;
import io.shoal.pki.RootCa;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.Exec;
import io.shoal.testkit.ServicePs;
import io.shoal.testkit.TestNetwork;
import io.shoal.testkit.TestSwarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docker swarm ca --rotate} on a swarm of three managers and two workers running a service:
 * every node gets a certificate of the new root and trusts it alone, the service's tasks run on
 * undisturbed, the join tokens change with the root, and a certificate of the old root is refused.
 */
@ExtendWith(Hosts.class)
class CaRotationTest {
    private static final int NODES = 5;

    @Test
    void theRootRotatesUnderARunningServiceAndTheOldRootIsRefusedAfter(@TempDir Path dir) throws Exception {
        try (TestNetwork net = TestNetwork.create(NODES + 1)) {
            TestSwarm swarm = TestSwarm.start(net, dir, TestSwarm.Plan.of(3, 2)).form(Duration.ofSeconds(1));
            DaemonProcess manager = swarm.daemon(1);
            manager.dockerOk("service", "create", "--detach", "--name", "work", "--replicas", "5", "busybox", "sleep", "100000");
            eventually(TestSwarm.CONVERGE, () -> ServicePs.runningTasks(manager, "work").size() == 5);
            Set<String> tasks = ServicePs.runningTasks(manager, "work");
            String oldRoot = manager.dockerOk("swarm", "ca");
            TestSwarm.JoinTokens oldTokens = swarm.tokens();
            Path h5 = certificates(swarm.daemon(5));
            NodeCertificates oldWorker = NodeCertificates.load(h5).orElseThrow();

            String rotated = onTerminal(manager, "swarm", "ca", "--rotate");
            String newRoot = lastPem(rotated);
            System.out.println("docker swarm ca --rotate printed:\n" + rotated);
            assertTrue(rotated.contains("desired root digest: sha256:"), rotated);
            assertTrue(rotated.matches("(?s).*rotated TLS certificates:.*" + NODES + "/" + NODES + " nodes.*"), rotated);
            assertTrue(rotated.matches("(?s).*rotated CA certificates:.*" + NODES + "/" + NODES + " nodes.*"), rotated);
            assertNotEquals(oldRoot.strip(), newRoot.strip());
            assertEquals(newRoot.strip(), manager.dockerOk("swarm", "ca").strip(), "docker swarm ca prints the new root");
            assertEquals("false", manager.dockerOk("info", "--format", "{{.Swarm.Cluster.RootRotationInProgress}}").strip());
            X509Certificate root = Pem.parseCertificate("new root", newRoot);
            for (DaemonProcess d : swarm.daemons()) assertHoldsOnly(root, d);

            // Not one task restarted: the same tasks run, and no other was ever created.
            assertEquals(tasks, ServicePs.runningTasks(manager, "work"));
            assertEquals(tasks, Set.copyOf(manager.dockerOk("service", "ps", "-q", "--no-trunc", "work").lines().toList()));

            // The join tokens changed with the root: another digest; an old token is refused, a new one works.
            TestSwarm.JoinTokens newTokens = swarm.tokens();
            assertNotEquals(digest(oldTokens.worker()), digest(newTokens.worker()));
            assertNotEquals(digest(oldTokens.manager()), digest(newTokens.manager()));
            DaemonProcess newcomer = net.host(NODES + 1).daemon(dir.resolve("h" + (NODES + 1)));
            String remote = net.host(1).address() + ":2377";
            var refused = newcomer.docker("swarm", "join", "--token", oldTokens.worker(), remote);
            assertNotEquals(0, refused.exit());
            assertTrue(refused.err().contains("remote CA does not match fingerprint"), refused.err());
            assertTrue(newcomer.dockerOk("swarm", "join", "--token", newTokens.worker(), remote).contains("joined a swarm as a worker"));
            assertHoldsOnly(root, newcomer);

            // A worker back with its old-root certificate is turned away: it stays down, the managers
            // say why. It trusts the new root too, so that it gets as far as presenting its certificate
            // (trusting the old root alone, it would refuse the managers' certificates first).
            String h5Id = manager.dockerOk("node", "inspect", "h5", "--format", "{{.ID}}").strip();
            swarm.daemon(5).close();
            NodeKeys.open(h5, null).save(new NodeCertificates(oldWorker.tls().key(), oldWorker.tls().certChain(),
                    List.of(oldWorker.tls().trustRoots().getFirst(), root)));
            swarm.daemon(5).start();
            eventually(Duration.ofSeconds(30), () -> swarm.daemons().subList(0, 3).stream().anyMatch(d -> d.log().lines()
                    .anyMatch(l -> l.contains("refused the TLS certificate of") && l.contains(h5Id))));
            eventually(Duration.ofSeconds(30), () -> "Down".equals(nodeStatus(manager).get("h5")));

            // A root the operator gives: generated here, with its key.
            RootCa given = RootCa.create();
            Path cert = dir.resolve("ca.pem"), key = dir.resolve("ca-key.pem");
            Files.writeString(cert, given.certificatePem());
            Files.writeString(key, given.keyPem().orElseThrow());
            manager.dockerOk("node", "rm", "--force", "h5");
            String second = manager.dockerOk("swarm", "ca", "--rotate", "--ca-cert", cert.toString(), "--ca-key", key.toString());
            assertEquals(given.certificatePem().strip(), lastPem(second).strip());
            for (DaemonProcess d : swarm.daemons().subList(0, 4)) assertHoldsOnly(given.certificate(), d);
            assertHoldsOnly(given.certificate(), newcomer);
            assertEquals(tasks.size(), ServicePs.runningTasks(manager, "work").size());
            assertFalse(manager.http().get("/swarm").body().contains("PRIVATE KEY"), "no key in the API's answer");

            // An external CA is refused with a reason.
            var external = manager.docker("swarm", "ca", "--rotate", "--ca-cert", cert.toString(),
                    "--external-ca", "protocol=cfssl,url=https://ca.example:8888");
            assertNotEquals(0, external.exit());
            assertTrue(external.err().contains("external CAs are not supported"), external.err());
            newcomer.close();
        }
    }

    /** The node's file holds a certificate issued by {@code root}'s key and trusts {@code root} alone. */
    private static void assertHoldsOnly(X509Certificate root, DaemonProcess d) throws Exception {
        NodeCertificates certs = NodeCertificates.load(certificates(d)).orElseThrow();
        assertEquals(List.of(root), certs.tls().trustRoots(), d.dataDir() + " trusts the new root alone");
        assertEquals(IssuerInfo.of(root), certs.issuer(), d.dataDir() + " holds a certificate of the new root");
        // and it chains to that root
        new NodeCertificates(certs.tls().key(), certs.tls().certChain(), List.of(root));
    }

    private static Path certificates(DaemonProcess d) {
        return d.dataDir().resolve("swarm/certificates");
    }

    /** The digest part of {@code SWMTKN-1-<digest>-<secret>}. */
    private static String digest(String token) {
        return token.split("-")[2];
    }

    /** The last PEM certificate in the CLI's output: the root it prints when the rotation is done. */
    private static String lastPem(String out) {
        int at = out.lastIndexOf("-----BEGIN CERTIFICATE-----");
        assertTrue(at >= 0, out);
        return out.substring(at, out.indexOf("-----END CERTIFICATE-----", at) + "-----END CERTIFICATE-----".length()) + "\n";
    }

    /**
     * Runs the docker CLI on a terminal (util-linux {@code script}), as a user would: the CLI draws
     * its progress bars, with their counts, only there.
     */
    private static String onTerminal(DaemonProcess d, String... args) throws Exception {
        ProcessBuilder pb = d.dockerProcess(args);
        List<String> cmd = new ArrayList<>(List.of("env"));
        pb.environment().forEach((k, v) -> {
            if (k.startsWith("DOCKER_")) cmd.add(k + "=" + v);
        });
        cmd.addAll(pb.command());
        var r = Exec.run(List.of("script", "-qefc", String.join(" ", cmd), "/dev/null"), null, Duration.ofSeconds(120));
        String out = r.out().replaceAll("\u001b\\[[0-9;]*[A-Za-z]", "").replace("\r", "");
        assertEquals(0, r.exit(), out + r.err());
        return out;
    }
}
