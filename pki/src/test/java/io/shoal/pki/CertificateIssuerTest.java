package io.shoal.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CertificateIssuerTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final RootCa root = RootCa.create();
    private final AtomicInteger ids = new AtomicInteger();
    private final AtomicReference<ClusterJoinTokens> tokens = new AtomicReference<>(ClusterJoinTokens.generate(root));
    private final AtomicReference<Duration> expiry = new AtomicReference<>(null);
    private final CertificateIssuer issuer = new CertificateIssuer(root, "cluster1",
            () -> new CertificateIssuer.Policy(tokens.get(), expiry.get()),
            () -> "node" + ids.incrementAndGet(), Clock.fixed(NOW, ZoneOffset.UTC));

    private static String csr() {
        return NodeCertificates.Request.generate().csrPem();
    }

    @Test
    void aWorkerTokenGivesAWorkerCertificateWithANewNodeId() {
        var req = NodeCertificates.Request.generate();
        var issued = issuer.issue(req.csrPem(), tokens.get().worker().value(), null, List.of("10.0.0.5"));
        assertEquals(new NodeIdentity("node1", NodeRole.WORKER, "cluster1"), issued.identity());
        assertEquals(List.of(root.certificate()), issued.roots());
        X509Certificate leaf = issued.chain().getFirst();
        assertEquals(NOW.plus(Duration.ofHours(2160)), leaf.getNotAfter().toInstant());

        // what the node does with the answer: keep it, and it is a valid TLS identity for this swarm
        NodeCertificates node = NodeCertificates.of(req, issued);
        assertEquals(issued.identity(), node.identity());
        assertEquals(List.of(root.certificate()), node.tls().trustRoots());
    }

    @Test
    void aManagerTokenGivesAManagerCertificate() throws Exception {
        var issued = issuer.issue(csr(), tokens.get().manager().value(), null, List.of("10.0.0.1"));
        assertEquals(NodeRole.MANAGER, issued.identity().role());
        assertTrue(RootCaTest.sans(issued.chain().getFirst()).contains("ip:10.0.0.1"));
        var second = issuer.issue(csr(), tokens.get().manager().value(), NodeRole.MANAGER, List.of());
        assertNotEquals(issued.identity().nodeId(), second.identity().nodeId());
    }

    @Test
    void aWorkerTokenCannotGetAManagerCertificate() {
        var e = assertThrows(PkiException.class, () -> issuer.issue(csr(), tokens.get().worker().value(), NodeRole.MANAGER, List.of()));
        assertEquals(PkiException.Kind.INVALID, e.kind());
        assertTrue(e.getMessage().contains("worker join token"), e.getMessage());
    }

    @Test
    void aManagerTokenMayAskForLess() {
        var issued = issuer.issue(csr(), tokens.get().manager().value(), NodeRole.WORKER, List.of());
        assertEquals(NodeRole.WORKER, issued.identity().role());
    }

    @Test
    void aRotatedAwayOrForeignTokenIsRefused() {
        String old = tokens.get().worker().value();
        tokens.set(new ClusterJoinTokens(tokens.get().worker().rotate(), tokens.get().manager()));
        String csr = csr();
        var e = assertThrows(PkiException.class, () -> issuer.issue(csr, old, null, List.of()));
        assertEquals("A valid join token is necessary to join this cluster", e.getMessage());
        String foreign = ClusterJoinTokens.generate(RootCa.create()).worker().value();
        assertThrows(PkiException.class, () -> issuer.issue(csr, foreign, null, List.of()));
        assertThrows(PkiException.class, () -> issuer.issue(csr, null, null, List.of()));
        assertEquals(NodeRole.WORKER, issuer.issue(csr, tokens.get().worker().value(), null, List.of()).identity().role());
    }

    @Test
    void aBadCsrIsRefused() {
        var e = assertThrows(PkiException.class, () -> issuer.issue("nope", tokens.get().worker().value(), null, List.of()));
        assertEquals(PkiException.Kind.INVALID, e.kind());
    }

    @Test
    void theClustersCertExpiryIsUsedAndCheckedAtEveryCall() {
        expiry.set(Duration.ofHours(24));
        var issued = issuer.issue(csr(), tokens.get().worker().value(), null, List.of());
        assertEquals(NOW.plus(Duration.ofHours(24)), issued.chain().getFirst().getNotAfter().toInstant());
        expiry.set(Duration.ofMinutes(10));
        var e = assertThrows(PkiException.class, () -> issuer.issue(csr(), tokens.get().worker().value(), null, List.of()));
        assertEquals("minimum certificate expiry time is: 1h0m0s", e.getMessage());
    }

    @Test
    void issueForServesTheFirstManagerRenewalsAndRoleChanges() {
        var init = issuer.issueFor("self", NodeRole.MANAGER, csr(), List.of("10.0.0.1"));
        assertEquals(new NodeIdentity("self", NodeRole.MANAGER, "cluster1"), init.identity());
        var renewed = issuer.issueFor("self", NodeRole.MANAGER, csr(), List.of());
        assertEquals(init.identity(), renewed.identity());
        assertNotEquals(init.chain().getFirst().getPublicKey(), renewed.chain().getFirst().getPublicKey());
        var demoted = issuer.issueFor("self", NodeRole.WORKER, csr(), List.of());
        assertEquals(NodeRole.WORKER, demoted.identity().role());
        assertEquals(0, ids.get(), "no new id for a node the caller vouches for");
    }

    @Test
    void nodeCertificatesComeWithTheirKey() {
        NodeCertificates n = issuer.nodeCertificates("self", NodeRole.MANAGER, List.of("10.0.0.1"));
        assertEquals(new NodeIdentity("self", NodeRole.MANAGER, "cluster1"), n.identity());
        assertEquals(n.identity(), n.tls().identity());
    }

    @Test
    void needsARootWithItsKey() {
        assertThrows(IllegalArgumentException.class, () -> new CertificateIssuer(RootCa.fromCertificatePem(root.certificatePem()),
                "c", () -> new CertificateIssuer.Policy(tokens.get(), null), () -> "n", Clock.systemUTC()));
    }
}
