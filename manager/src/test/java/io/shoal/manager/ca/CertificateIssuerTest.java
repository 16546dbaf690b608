package io.shoal.manager.ca;

import io.shoal.pki.NodeRole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CertificateIssuerTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final RootCa root = RootCa.create();
    private final AtomicInteger ids = new AtomicInteger();
    private final Set<String> removed = new HashSet<>();
    private final AtomicReference<ClusterJoinTokens> tokens = new AtomicReference<>(ClusterJoinTokens.generate(root));
    private final AtomicReference<Duration> expiry = new AtomicReference<>(null);
    private final CertificateIssuer issuer = new CertificateIssuer(root, "cluster1",
            () -> new CertificateIssuer.Policy(tokens.get(), expiry.get(), removed),
            () -> "node" + ids.incrementAndGet(), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aWorkerTokenGivesAWorkerCertificateWithANewNodeId() {
        var req = NodeCertificates.Request.generate();
        var issued = issuer.issue(req.csrPem(), tokens.get().worker().value(), null, List.of("10.0.0.5"));
        assertEquals(new NodeIdentity("node1", NodeRole.WORKER, "cluster1"), issued.identity());
        assertEquals(root.certificatePem(), issued.rootCaPem());
        X509Certificate leaf = issued.chain().getFirst();
        assertEquals(NOW.plus(Duration.ofHours(2160)), leaf.getNotAfter().toInstant());

        // what the node does with the answer: keep it, and it is a valid TLS identity for this swarm
        NodeCertificates node = NodeCertificates.of(req, issued.certificateChainPem(), issued.rootCaPem());
        assertEquals(issued.identity(), node.identity());
    }

    @Test
    void aManagerTokenGivesAManagerCertificate() throws Exception {
        var issued = issuer.issue(NodeCertificates.Request.generate().csrPem(), tokens.get().manager().value(), null, List.of("10.0.0.1"));
        assertEquals(NodeRole.MANAGER, issued.role());
        assertTrue(RootCaTest.sans(issued.chain().getFirst()).contains("ip:10.0.0.1"));
        var second = issuer.issue(NodeCertificates.Request.generate().csrPem(), tokens.get().manager().value(), NodeRole.MANAGER, List.of());
        assertNotEquals(issued.nodeId(), second.nodeId());
    }

    @Test
    void aWorkerTokenCannotGetAManagerCertificate() {
        var e = assertThrows(ApiException.class, () -> issuer.issue(NodeCertificates.Request.generate().csrPem(),
                tokens.get().worker().value(), NodeRole.MANAGER, List.of()));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("worker join token"), e.getMessage());
    }

    @Test
    void aManagerTokenMayAskForLess() {
        var issued = issuer.issue(NodeCertificates.Request.generate().csrPem(), tokens.get().manager().value(), NodeRole.WORKER, List.of());
        assertEquals(NodeRole.WORKER, issued.role());
    }

    @Test
    void aRotatedAwayOrForeignTokenIsRefused() {
        String old = tokens.get().worker().value();
        tokens.set(tokens.get().rotate(NodeRole.WORKER));
        String csr = NodeCertificates.Request.generate().csrPem();
        var e = assertThrows(ApiException.class, () -> issuer.issue(csr, old, null, List.of()));
        assertEquals("A valid join token is necessary to join this cluster", e.getMessage());
        String foreign = ClusterJoinTokens.generate(RootCa.create()).worker().value();
        assertThrows(ApiException.class, () -> issuer.issue(csr, foreign, null, List.of()));
        assertThrows(ApiException.class, () -> issuer.issue(csr, null, null, List.of()));
        assertEquals(NodeRole.WORKER, issuer.issue(csr, tokens.get().worker().value(), null, List.of()).role());
    }

    @Test
    void aBadCsrIsRefused() {
        assertThrows(ApiException.class, () -> issuer.issue("nope", tokens.get().worker().value(), null, List.of()));
    }

    @Test
    void theClustersCertExpiryIsUsedAndCheckedAtEveryCall() {
        expiry.set(Duration.ofHours(24));
        var issued = issuer.issue(NodeCertificates.Request.generate().csrPem(), tokens.get().worker().value(), null, List.of());
        assertEquals(NOW.plus(Duration.ofHours(24)), issued.chain().getFirst().getNotAfter().toInstant());
        expiry.set(Duration.ofMinutes(10));
        var e = assertThrows(ApiException.class, () -> issuer.issue(NodeCertificates.Request.generate().csrPem(),
                tokens.get().worker().value(), null, List.of()));
        assertEquals("minimum certificate expiry time is: 1h0m0s", e.getMessage());
    }

    @Test
    void renewalKeepsNodeIdAndRole() {
        var first = issuer.issue(NodeCertificates.Request.generate().csrPem(), tokens.get().manager().value(), null, List.of());
        var renewed = issuer.renew(first.chain().toArray(X509Certificate[]::new), NodeCertificates.Request.generate().csrPem(), List.of());
        assertEquals(first.identity(), renewed.identity());
        assertNotEquals(first.chain().getFirst().getPublicKey(), renewed.chain().getFirst().getPublicKey());
        assertEquals(1, ids.get(), "no new id on renewal");
    }

    @Test
    void aRemovedNodeCannotRenew() {
        var first = issuer.issue(NodeCertificates.Request.generate().csrPem(), tokens.get().worker().value(), null, List.of());
        removed.add(first.nodeId());
        var e = assertThrows(ApiException.class, () -> issuer.renew(first.chain().toArray(X509Certificate[]::new),
                NodeCertificates.Request.generate().csrPem(), List.of()));
        assertEquals(403, e.status());
        assertTrue(e.getMessage().contains("node " + first.nodeId() + " was removed from the swarm"), e.getMessage());
        assertThrows(ApiException.class, () -> issuer.issueFor(first.nodeId(), NodeRole.WORKER,
                NodeCertificates.Request.generate().csrPem(), List.of()));
    }

    @Test
    void aCertificateOfAnotherSwarmCannotRenew() {
        RootCa other = RootCa.create();
        X509Certificate foreign = other.sign(NodeCertificates.Request.generate().csrPem(),
                new NodeIdentity("node1", NodeRole.MANAGER, "cluster1"), null, List.of());
        var e = assertThrows(ApiException.class, () -> issuer.renew(new X509Certificate[] {foreign},
                NodeCertificates.Request.generate().csrPem(), List.of()));
        assertEquals(403, e.status());
        assertThrows(ApiException.class, () -> issuer.renew(new X509Certificate[0], NodeCertificates.Request.generate().csrPem(), List.of()));
    }

    @Test
    void aCertificateOfAnotherClusterUnderTheSameRootCannotRenew() {
        X509Certificate c = root.sign(NodeCertificates.Request.generate().csrPem(),
                new NodeIdentity("node9", NodeRole.WORKER, "other-cluster"), null, List.of());
        assertThrows(ApiException.class, () -> issuer.renew(new X509Certificate[] {c}, NodeCertificates.Request.generate().csrPem(), List.of()));
    }

    @Test
    void issueForServesTheFirstManagerAndRoleChanges() {
        var init = issuer.issueFor("self", NodeRole.MANAGER, NodeCertificates.Request.generate().csrPem(), List.of("10.0.0.1"));
        assertEquals(new NodeIdentity("self", NodeRole.MANAGER, "cluster1"), init.identity());
        var demoted = issuer.issueFor("self", NodeRole.WORKER, NodeCertificates.Request.generate().csrPem(), List.of());
        assertEquals(NodeRole.WORKER, demoted.role());
    }

    @Test
    void needsARootWithItsKey() {
        assertThrows(IllegalArgumentException.class, () -> new CertificateIssuer(RootCa.fromCertificatePem(root.certificatePem()),
                "c", () -> new CertificateIssuer.Policy(tokens.get(), null, Set.of())));
    }
}
