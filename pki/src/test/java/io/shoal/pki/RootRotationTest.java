package io.shoal.pki;

import static io.shoal.pki.TlsManagersTest.handshake;
import static io.shoal.pki.TlsManagersTest.managersOnly;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A root rotation as the pki sees it: a cross-signed intermediate, node certificates of the next
 * root that nodes of either root accept, and the old root's certificates refused once it is dropped.
 */
class RootRotationTest {
    private final TestSwarm swarm = new TestSwarm("cluster1");
    private final RootCa next = RootCa.create();
    private final CertificateIssuer rotating = new CertificateIssuer(
            CertificateIssuer.Signer.rotating(swarm.root, next, swarm.root.crossSign(next.certificate())),
            "cluster1", () -> new CertificateIssuer.Policy(swarm.tokens, null), () -> "x", Clock.systemUTC());
    private final CertificateIssuer finished = new CertificateIssuer(next, "cluster1",
            () -> new CertificateIssuer.Policy(swarm.tokens, null), () -> "x", Clock.systemUTC());

    @Test
    void theCrossSignedIntermediateIsTheNextRootsNameAndKeySignedByTheOldRoot() throws Exception {
        var cross = swarm.root.crossSign(next.certificate());
        assertEquals(next.certificate().getSubjectX500Principal(), cross.getSubjectX500Principal());
        assertEquals(next.certificate().getPublicKey(), cross.getPublicKey());
        assertTrue(cross.getBasicConstraints() >= 0, "a CA certificate");
        cross.verify(swarm.root.certificate().getPublicKey());
        assertFalse(RootCa.isSelfSigned(cross));
        assertTrue(RootCa.isSelfSigned(next.certificate()));
        assertEquals(IssuerInfo.of(next.certificate()), IssuerInfo.of(cross));
    }

    @Test
    void aCertificateOfTheNextRootChainsToEitherRoot() {
        NodeCertificates n = rotating.nodeCertificates("node-a", NodeRole.WORKER, List.of());
        assertEquals(2, n.tls().certChain().size(), "leaf and the cross-signed intermediate");
        assertEquals(List.of(swarm.root.certificate(), next.certificate()), n.tls().trustRoots());
        assertEquals(IssuerInfo.of(next.certificate()), n.issuer());
        // the same chain is accepted by a node holding only the old root, or only the next one
        assertDoesNotThrow(() -> new NodeCertificates(n.tls().key(), n.tls().certChain(), List.of(swarm.root.certificate())));
        assertDoesNotThrow(() -> new NodeCertificates(n.tls().key(), n.tls().certChain(), List.of(next.certificate())));
        assertThrows(PkiException.class, () -> new NodeCertificates(n.tls().key(), n.tls().certChain(), List.of(RootCa.create().certificate())));
    }

    @Test
    void nodesTalkAcrossTheRotationAndTheOldRootIsRefusedAfterIt() {
        TlsMaterial old = swarm.node("old", NodeRole.MANAGER);
        TlsMaterial rotated = rotating.nodeCertificates("rotated", NodeRole.MANAGER, List.of()).tls();
        TlsMaterial done = finished.nodeCertificates("done", NodeRole.MANAGER, List.of()).tls();
        // during the rotation: old and rotated certificates meet, whichever trusts what
        assertDoesNotThrow(() -> handshake(managersOnly(old), managersOnly(rotated)));
        assertDoesNotThrow(() -> handshake(managersOnly(rotated), managersOnly(old)));
        // after it: a node trusting only the next root talks to rotated nodes, not to the old root's
        assertDoesNotThrow(() -> handshake(managersOnly(done), managersOnly(rotated)));
        assertDoesNotThrow(() -> handshake(managersOnly(rotated), managersOnly(done)));
        assertThrows(Exception.class, () -> handshake(managersOnly(done), managersOnly(old)));
        assertThrows(Exception.class, () -> handshake(managersOnly(old), managersOnly(done)));
    }

    @Test
    void theTrustRootsOfAMutableTlsChangeAtTheNextHandshake() {
        TlsMaterial old = swarm.node("old", NodeRole.MANAGER);
        MutableTls server = new MutableTls(rotating.nodeCertificates("server", NodeRole.MANAGER, List.of()).tls());
        var context = assertDoesNotThrow(() -> managersOnly(server));
        assertDoesNotThrow(() -> handshake(context, managersOnly(old)));
        server.update(finished.nodeCertificates("server", NodeRole.MANAGER, List.of()).tls());
        assertThrows(Exception.class, () -> handshake(context, managersOnly(old)));
    }

    @Test
    void theNodeFileKeepsBothRootsAndTheIntermediate(@TempDir Path dir) throws Exception {
        NodeCertificates n = rotating.nodeCertificates("node-a", NodeRole.WORKER, List.of());
        n.save(dir, null);
        NodeCertificates loaded = NodeCertificates.load(dir).orElseThrow();
        assertEquals(n.tls().certChain(), loaded.tls().certChain());
        assertEquals(n.tls().trustRoots(), loaded.tls().trustRoots());
        assertEquals(n.trustRootsPem(), loaded.trustRootsPem());
        assertTrue(Files.readString(dir.resolve(NodeCertificates.FILE)).contains(Pem.certificate(next.certificate())));
        NodeCertificates after = finished.nodeCertificates("node-a", NodeRole.WORKER, List.of());
        assertNotEquals(n.issuer().publicKey(), swarm.certificates("x", NodeRole.WORKER).issuer().publicKey());
        assertEquals(n.issuer(), after.issuer(), "the intermediate and the next root are the same issuer");
    }
}
