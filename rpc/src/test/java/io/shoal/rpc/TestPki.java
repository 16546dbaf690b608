package io.shoal.rpc;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** A throwaway swarm CA for tests: ECDSA P-256 root and node certificates shaped like swarmkit's. */
final class TestPki {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    final String org;
    final KeyPair rootKey;
    final X509Certificate root;

    TestPki(String org) {
        this.org = org;
        this.rootKey = ecKey();
        var name = new X500Name("CN=swarm-ca,O=" + org);
        try {
            var b = new JcaX509v3CertificateBuilder(name, serial(), from(), until(), name, rootKey.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            this.root = new JcaX509CertificateConverter().getCertificate(b.build(signer()));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A node's TLS material: CN=nodeId, OU=role, trusting this CA's root. */
    TlsMaterial node(String nodeId, String ou) {
        KeyPair key = ecKey();
        return new TlsMaterial(key.getPrivate(), List.of(sign(key.getPublic(), nodeId, ou)), List.of(root));
    }

    /** A node certificate for a public key, with the role and node id as DNS names, as swarmkit issues them. */
    X509Certificate sign(PublicKey key, String nodeId, String ou) {
        try {
            var subject = new X500Name("CN=" + nodeId + ",OU=" + ou + ",O=" + org);
            var issuer = X500Name.getInstance(root.getSubjectX500Principal().getEncoded());
            var b = new JcaX509v3CertificateBuilder(issuer, serial(), from(), until(), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                            new GeneralName(GeneralName.dNSName, ou), new GeneralName(GeneralName.dNSName, nodeId)}));
            return new JcaX509CertificateConverter().getCertificate(b.build(signer()));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    X509Certificate signCsr(String csrPem, String nodeId, String ou) {
        try (var parser = new PEMParser(new StringReader(csrPem))) {
            var csr = new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject());
            return sign(csr.getPublicKey(), nodeId, ou);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("bad CSR: " + e.getMessage(), e);
        }
    }

    static String csr(KeyPair key) {
        try {
            var csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=joining"), key.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
            var out = new StringWriter();
            try (var w = new JcaPEMWriter(out)) {
                w.writeObject(csr);
            }
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    static KeyPair ecKey() {
        try {
            var g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private org.bouncycastle.operator.ContentSigner signer() throws OperatorCreationException {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(rootKey.getPrivate());
    }

    private static BigInteger serial() {
        return BigInteger.valueOf(SERIAL.incrementAndGet());
    }

    private static Date from() {
        return Date.from(Instant.now().minus(Duration.ofHours(1)));
    }

    private static Date until() {
        return Date.from(Instant.now().plus(Duration.ofDays(90)));
    }
}
