package io.shoal.pki;

import io.shoal.pki.NodeRole;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

class RootCaTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private final RootCa root = RootCa.create(Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void newRootIsASelfSignedP256CaNamedSwarmCaValidForTwentyYears() throws Exception {
        X509Certificate c = root.certificate();
        assertEquals(new X500Principal("CN=swarm-ca"), c.getSubjectX500Principal());
        assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
        c.verify(c.getPublicKey());
        assertEquals("EC", c.getPublicKey().getAlgorithm());
        assertEquals(256, ((ECPublicKey) c.getPublicKey()).getParams().getCurve().getField().getFieldSize());
        assertTrue(c.getBasicConstraints() >= 0, "CA:TRUE");
        assertTrue(c.getKeyUsage()[5], "keyCertSign");
        assertEquals(NOW.plus(Duration.ofSeconds(630_720_000L)), c.getNotAfter().toInstant());
        assertTrue(root.canSign());
    }

    @Test
    void digestIsSha256OfTheDerCertificate() throws Exception {
        byte[] expected = MessageDigest.getInstance("SHA-256").digest(root.certificate().getEncoded());
        assertArrayEquals(expected, root.digest());
    }

    @Test
    void pemRoundTripKeepsTheSameRoot() {
        RootCa again = RootCa.fromPem(root.certificatePem(), root.keyPem().orElseThrow());
        assertArrayEquals(root.digest(), again.digest());
        assertTrue(again.canSign());
        assertTrue(root.keyPem().orElseThrow().startsWith("-----BEGIN PRIVATE KEY-----"));
        RootCa trustOnly = RootCa.fromCertificatePem(root.certificatePem());
        assertFalse(trustOnly.canSign());
        assertTrue(trustOnly.keyPem().isEmpty());
        var csr = NodeCertificates.Request.generate().csrPem();
        assertThrows(IllegalStateException.class, () -> trustOnly.sign(csr, id(NodeRole.WORKER), null, List.of(), NOW));
    }

    @Test
    void signsAManagerCertificateWithSwarmkitsFields() throws Exception {
        var req = NodeCertificates.Request.generate();
        X509Certificate c = root.sign(req.csrPem(), new NodeIdentity("node1", NodeRole.MANAGER, "cluster1"),
                Duration.ofHours(2160), List.of("10.0.0.1", "mgr1.example"), NOW);

        c.verify(root.certificate().getPublicKey());
        assertEquals(req.keyPair().getPublic(), c.getPublicKey());
        assertEquals(new NodeIdentity("node1", NodeRole.MANAGER, "cluster1"), NodeIdentity.of(c));
        assertEquals(new X500Principal("CN=node1,OU=swarm-manager,O=cluster1"), c.getSubjectX500Principal());
        assertEquals(root.certificate().getSubjectX500Principal(), c.getIssuerX500Principal());

        assertEquals(NOW.minus(Duration.ofHours(1)), c.getNotBefore().toInstant(), "backdated 1 h");
        assertEquals(NOW.plus(Duration.ofHours(2160)), c.getNotAfter().toInstant());

        assertEquals(-1, c.getBasicConstraints(), "not a CA");
        boolean[] ku = c.getKeyUsage();
        assertTrue(ku[0], "digitalSignature");
        assertTrue(ku[2], "keyEncipherment");
        assertFalse(ku[5], "keyCertSign");
        assertEquals(Set.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), Set.copyOf(c.getExtendedKeyUsage()));

        assertEquals(Set.of("dns:swarm-manager", "dns:node1", "dns:swarm-ca", "ip:10.0.0.1", "dns:mgr1.example"), sans(c));
    }

    @Test
    void workerCertificatesNameOnlyTheirRoleAndId() throws Exception {
        X509Certificate c = root.sign(NodeCertificates.Request.generate().csrPem(), id(NodeRole.WORKER),
                null, List.of("10.0.0.2"), NOW);
        assertEquals(Set.of("dns:swarm-worker", "dns:n1"), sans(c));
        assertEquals(NodeRole.WORKER, NodeIdentity.of(c).role());
        assertEquals(NOW.plus(RootCa.DEFAULT_NODE_CERT_EXPIRY), c.getNotAfter().toInstant(), "90 days when unset");
    }

    @Test
    void nodeCertExpiryBelowOneHourIsRefusedWithSwarmkitsMessage() {
        var csr = NodeCertificates.Request.generate().csrPem();
        var e = assertThrows(PkiException.class, () -> root.sign(csr, id(NodeRole.WORKER), Duration.ofMinutes(30), List.of(), NOW));
        assertEquals("minimum certificate expiry time is: 1h0m0s", e.getMessage());
        assertEquals(PkiException.Kind.INVALID, e.kind());
        assertThrows(PkiException.class, () -> RootCa.nodeCertExpiry(Duration.ofSeconds(-5)));
        assertEquals(Duration.ofHours(1), RootCa.nodeCertExpiry(Duration.ofHours(1)));
        assertEquals(RootCa.DEFAULT_NODE_CERT_EXPIRY, RootCa.nodeCertExpiry(Duration.ZERO));
        X509Certificate c = root.sign(csr, id(NodeRole.WORKER), Duration.ofHours(1), List.of(), NOW);
        assertEquals(NOW.plus(Duration.ofHours(1)), c.getNotAfter().toInstant());
    }

    @Test
    void csrWithABadSignatureOrGarbageIsRefused() {
        String good = NodeCertificates.Request.generate().csrPem();
        String body = good.substring(good.indexOf('\n') + 1, good.indexOf("-----END"));
        byte[] der = java.util.Base64.getMimeDecoder().decode(body);
        der[der.length - 5] ^= 0x01; // inside the signature
        String tampered = Pem.encode("CERTIFICATE REQUEST", der);
        var e = assertThrows(PkiException.class, () -> RootCa.verifyCsr(tampered));
        assertTrue(e.getMessage().startsWith("CSR"), e.getMessage());
        assertThrows(PkiException.class, () -> RootCa.verifyCsr("not a csr"));
        assertThrows(PkiException.class, () -> RootCa.verifyCsr(root.certificatePem()));
        assertThrows(PkiException.class, () -> RootCa.verifyCsr(""));
    }

    @Test
    void loadsAUserGivenEcdsaCaWithAnSec1KeyAndSignsWithIt() throws Exception {
        var user = TestCas.userCa("EC", true);
        assertTrue(user.keyPem().startsWith("-----BEGIN EC PRIVATE KEY-----"));
        RootCa ca = RootCa.fromPem(user.certPem(), user.keyPem());
        X509Certificate c = ca.sign(NodeCertificates.Request.generate().csrPem(), id(NodeRole.WORKER), null, List.of(), Instant.now());
        c.verify(user.keys().getPublic());
        assertEquals(ca.certificate().getSubjectX500Principal(), c.getIssuerX500Principal());
    }

    @Test
    void loadsAUserGivenRsaCa() throws Exception {
        var user = TestCas.userCa("RSA", true);
        RootCa ca = RootCa.fromPem(user.certPem(), user.keyPem());
        var req = NodeCertificates.Request.generate();
        X509Certificate c = ca.sign(req.csrPem(), id(NodeRole.MANAGER), null, List.of(), Instant.now());
        c.verify(user.keys().getPublic());
        assertEquals("SHA256withRSA", c.getSigAlgName());
        // a node holding it: the chain leads to the user's root
        assertEquals(id(NodeRole.MANAGER), NodeCertificates.of(req, new IssuedCertificate(List.of(c), List.of(ca.certificate()))).identity());
    }

    @Test
    void refusesAUserCaWhoseKeyIsNotItsOwnOrThatIsNotACa() throws Exception {
        var a = TestCas.userCa("EC", true);
        var b = TestCas.userCa("EC", true);
        var e = assertThrows(PkiException.class, () -> RootCa.fromPem(a.certPem(), b.keyPem()));
        assertEquals("CA key does not match the CA certificate", e.getMessage());
        var leaf = TestCas.userCa("EC", false);
        e = assertThrows(PkiException.class, () -> RootCa.fromPem(leaf.certPem(), leaf.keyPem()));
        assertTrue(e.getMessage().contains("not a CA"), e.getMessage());
        assertThrows(PkiException.class, () -> RootCa.fromPem("garbage", a.keyPem()));
        assertThrows(PkiException.class, () -> RootCa.fromPem(a.certPem(), "garbage"));
    }

    @Test
    void goDurationSpellsLikeGo() {
        assertEquals("1h0m0s", RootCa.goDuration(Duration.ofHours(1)));
        assertEquals("2160h0m0s", RootCa.goDuration(Duration.ofHours(2160)));
        assertEquals("30m0s", RootCa.goDuration(Duration.ofMinutes(30)));
    }

    static NodeIdentity id(NodeRole role) {
        return new NodeIdentity("n1", role, "c1");
    }

    static Set<String> sans(X509Certificate c) throws Exception {
        Set<String> out = new HashSet<>();
        for (List<?> san : c.getSubjectAlternativeNames()) {
            int type = (Integer) san.get(0);
            out.add((type == 2 ? "dns:" : type == 7 ? "ip:" : type + ":") + san.get(1));
        }
        return out;
    }

}
