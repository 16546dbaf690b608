package io.shoal.manager.ca;

import io.shoal.pki.NodeRole;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeCertificatesTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final RootCa root = RootCa.create();

    @TempDir
    Path tmp;

    private NodeCertificates node(NodeRole role, Duration expiry, Instant at) {
        var req = NodeCertificates.Request.generate();
        var cert = root.sign(req.csrPem(), new NodeIdentity("n1", role, "c1"), expiry, List.of(), at);
        return NodeCertificates.of(req, Pem.certificate(cert), root.certificatePem());
    }

    @Test
    void aRequestCarriesAP256KeyAndAValidCsr() {
        var req = NodeCertificates.Request.generate();
        assertEquals("EC", req.keyPair().getPublic().getAlgorithm());
        assertEquals(req.keyPair().getPublic(), RootCa.verifyCsr(req.csrPem()));
        assertTrue(req.csrPem().startsWith("-----BEGIN CERTIFICATE REQUEST-----"));
    }

    @Test
    void savesAndLoadsBackWithAPrivateKeyFile() throws IOException {
        NodeCertificates n = node(NodeRole.MANAGER, null, Instant.now());
        Path dir = tmp.resolve("certificates");
        n.save(dir);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(NodeCertificates.KEY_FILE))));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(NodeCertificates.CERT_FILE))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3, files.count(), "no temporary files left");
        }

        NodeCertificates back = NodeCertificates.load(dir).orElseThrow();
        assertEquals(n.identity(), back.identity());
        assertEquals(n.privateKey(), back.privateKey());
        assertArrayEquals(n.certificateChain(), back.certificateChain());
        assertEquals(n.rootCa(), back.rootCa());
        assertEquals(n.privateKeyPem(), Files.readString(dir.resolve(NodeCertificates.KEY_FILE)));
        assertTrue(n.privateKeyPem().startsWith("-----BEGIN PRIVATE KEY-----"));
    }

    @Test
    void savingAgainReplacesTheFilesAndKeepsTheKeyPrivate() throws IOException {
        Path dir = tmp.resolve("certs");
        node(NodeRole.WORKER, null, Instant.now()).save(dir);
        NodeCertificates renewed = node(NodeRole.WORKER, null, Instant.now());
        renewed.save(dir);
        assertEquals(renewed.privateKey(), NodeCertificates.load(dir).orElseThrow().privateKey());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(NodeCertificates.KEY_FILE))));
    }

    @Test
    void aNodeWithoutFilesHasNothingToLoad() throws IOException {
        assertTrue(NodeCertificates.load(tmp).isEmpty());
        assertTrue(NodeCertificates.load(tmp.resolve("missing")).isEmpty());
    }

    @Test
    void mismatchedOrIncompleteFilesAreAnErrorNotAnAbsence() throws IOException {
        Path dir = tmp.resolve("certs");
        node(NodeRole.WORKER, null, Instant.now()).save(dir);
        Files.writeString(dir.resolve(NodeCertificates.KEY_FILE), node(NodeRole.WORKER, null, Instant.now()).privateKeyPem());
        var e = assertThrows(IOException.class, () -> NodeCertificates.load(dir));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        Files.delete(dir.resolve(NodeCertificates.ROOT_CA_FILE));
        e = assertThrows(IOException.class, () -> NodeCertificates.load(dir));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void refusesACertificateFromAnotherRoot() {
        NodeCertificates n = node(NodeRole.WORKER, null, Instant.now());
        RootCa other = RootCa.create();
        var e = assertThrows(ApiException.class, () -> NodeCertificates.fromPem(n.privateKeyPem(), n.certificateChainPem(), other.certificatePem()));
        assertTrue(e.getMessage().contains("not issued by the swarm's root CA"), e.getMessage());
    }

    @Test
    void anExpiredCertificateStillLoadsSoItCanBeRenewed() {
        NodeCertificates old = node(NodeRole.WORKER, Duration.ofHours(1), NOW.minus(Duration.ofDays(30)));
        assertTrue(old.isExpired(Instant.now()));
        assertTrue(old.needsRenewal(Instant.now()));
    }

    @Test
    void renewalFallsBetweenHalfAndEightyPercentOfTheValidity() {
        NodeCertificates n = node(NodeRole.WORKER, Duration.ofHours(2160), NOW);
        Instant from = n.notBefore();
        Duration span = Duration.between(from, n.notAfter());
        assertEquals(Duration.ofHours(2161), span, "backdate included");
        Instant low = from.plus(span.multipliedBy(5).dividedBy(10));
        Instant high = from.plus(span.multipliedBy(8).dividedBy(10));
        var random = new SplittableRandom(7);
        Instant min = Instant.MAX;
        Instant max = Instant.MIN;
        for (int i = 0; i < 10_000; i++) {
            Instant t = n.renewalTime(random);
            assertFalse(t.isBefore(low), t.toString());
            assertTrue(t.isBefore(high), t.toString());
            min = t.isBefore(min) ? t : min;
            max = t.isAfter(max) ? t : max;
        }
        assertTrue(Duration.between(low, min).compareTo(Duration.ofHours(2)) < 0, "spread reaches the low end");
        assertTrue(Duration.between(max, high).compareTo(Duration.ofHours(2)) < 0, "spread reaches the high end");

        assertFalse(n.needsRenewal(low));
        assertFalse(n.needsRenewal(high.minusSeconds(1)));
        assertTrue(n.needsRenewal(high));
        assertFalse(n.isExpired(high));
        assertTrue(n.isExpired(n.notAfter()));
    }

    @Test
    void givesTheJdkAndNettyWhatTheyNeed() {
        NodeCertificates n = node(NodeRole.MANAGER, null, Instant.now());
        assertEquals(1, n.keyManagerFactory().getKeyManagers().length);
        assertEquals(1, n.trustManagerFactory().getTrustManagers().length);
        assertEquals("TLSv1.3", n.sslContext().getProtocol());
        assertEquals(root.certificate(), n.rootCa());
        assertEquals(1, n.certificateChain().length);
        assertEquals(n.certificate(), Pem.parseCertificates("chain", n.certificateChainPem()).getFirst());
    }
}
