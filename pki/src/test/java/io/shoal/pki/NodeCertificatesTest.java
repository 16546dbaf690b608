package io.shoal.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        return NodeCertificates.of(req, new IssuedCertificate(List.of(cert), List.of(root.certificate())));
    }

    private String pem(NodeCertificates n) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "pem");
        n.save(dir, null);
        return Files.readString(dir.resolve(NodeCertificates.FILE));
    }

    private static void assertSame(NodeCertificates expected, NodeCertificates actual) {
        assertEquals(expected.identity(), actual.identity());
        assertEquals(expected.tls(), actual.tls());
    }

    @Test
    void aRequestCarriesAP256KeyAndAValidCsr() {
        var req = NodeCertificates.Request.generate();
        assertEquals("EC", req.keyPair().getPublic().getAlgorithm());
        assertEquals(req.keyPair().getPublic(), RootCa.verifyCsr(req.csrPem()));
        assertTrue(req.csrPem().startsWith("-----BEGIN CERTIFICATE REQUEST-----"));
    }

    @Test
    void savesAndLoadsBackAsOnePrivateFile() throws IOException {
        NodeCertificates n = node(NodeRole.MANAGER, null, Instant.now());
        Path dir = tmp.resolve("certificates");
        n.save(dir, null);

        Path file = dir.resolve(NodeCertificates.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary files left");
        }
        assertTrue(Files.readString(file).startsWith("-----BEGIN PRIVATE KEY-----"));

        NodeCertificates back = NodeCertificates.load(dir).orElseThrow();
        assertSame(n, back);
        assertEquals(List.of(root.certificate()), back.tls().trustRoots());
    }

    @Test
    void savingAgainReplacesKeyAndCertificateTogether() throws IOException {
        Path dir = tmp.resolve("certs");
        node(NodeRole.WORKER, null, Instant.now()).save(dir, null);
        NodeCertificates renewed = node(NodeRole.WORKER, null, Instant.now());
        renewed.save(dir, null);
        assertSame(renewed, NodeCertificates.load(dir).orElseThrow());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(NodeCertificates.FILE))));
    }

    @Test
    void aSaveInterruptedBeforeItsRenameLeavesThePreviousPairLoadable() throws IOException {
        Path dir = tmp.resolve("certs");
        NodeCertificates previous = node(NodeRole.WORKER, null, Instant.now());
        previous.save(dir, null);
        // What a save that died before its rename leaves: the whole new file, under its temporary name.
        NodeCertificates next = node(NodeRole.WORKER, null, Instant.now());
        Path leftOver = dir.resolve("." + NodeCertificates.FILE + ".tmp");
        Files.writeString(leftOver, pem(next));

        assertSame(previous, NodeCertificates.load(dir).orElseThrow());

        next.save(dir, null);
        assertSame(next, NodeCertificates.load(dir).orElseThrow());
        assertFalse(Files.exists(leftOver));
    }

    @Test
    void aNodeWithoutAFileHasNothingToLoad() throws IOException {
        assertTrue(NodeCertificates.load(tmp).isEmpty());
        assertTrue(NodeCertificates.load(tmp.resolve("missing")).isEmpty());
    }

    @Test
    void aMismatchedOrIncompleteFileIsAnErrorNotAnAbsence() throws IOException {
        Path file = tmp.resolve(NodeCertificates.FILE);
        String mine = pem(node(NodeRole.WORKER, null, Instant.now()));
        String other = pem(node(NodeRole.WORKER, null, Instant.now()));
        String otherKey = other.substring(0, other.indexOf("-----BEGIN CERTIFICATE-----"));
        String myCertificates = mine.substring(mine.indexOf("-----BEGIN CERTIFICATE-----"));

        Files.writeString(file, otherKey + myCertificates);
        var e = assertThrows(IOException.class, () -> NodeCertificates.load(tmp));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());

        Files.writeString(file, mine.substring(0, mine.lastIndexOf("-----BEGIN CERTIFICATE-----")));
        e = assertThrows(IOException.class, () -> NodeCertificates.load(tmp));
        assertTrue(e.getMessage().contains("no root CA certificate"), e.getMessage());

        Files.writeString(file, otherKey);
        e = assertThrows(IOException.class, () -> NodeCertificates.load(tmp));
        assertTrue(e.getMessage().contains("no certificate after the key"), e.getMessage());
    }

    @Test
    void refusesACertificateFromAnotherRoot() {
        NodeCertificates n = node(NodeRole.WORKER, null, Instant.now());
        RootCa other = RootCa.create();
        var e = assertThrows(PkiException.class, () -> new NodeCertificates(n.tls().key(), n.tls().certChain(), List.of(other.certificate())));
        assertTrue(e.getMessage().contains("not issued by the swarm's root CA"), e.getMessage());
    }

    @Test
    void anExpiredCertificateStillLoadsSoItCanBeRenewed() throws IOException {
        NodeCertificates old = node(NodeRole.WORKER, Duration.ofHours(1), NOW.minus(Duration.ofDays(30)));
        assertTrue(old.isExpired(Instant.now()));
        old.save(tmp, null);
        assertSame(old, NodeCertificates.load(tmp).orElseThrow());
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

        assertFalse(n.isExpired(high));
        assertTrue(n.isExpired(n.notAfter()));
    }

    @Test
    void itsTlsMaterialIsItsKeyChainAndRoot() {
        NodeCertificates n = node(NodeRole.MANAGER, null, Instant.now());
        TlsMaterial tls = n.tls();
        assertTrue(RootCa.keyMatches(tls.key(), tls.certChain().getFirst().getPublicKey()));
        assertEquals(List.of(root.certificate()), tls.trustRoots());
        assertEquals(n.identity(), tls.identity());
    }
}
