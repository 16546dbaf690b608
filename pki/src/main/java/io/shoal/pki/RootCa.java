package io.shoal.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.IPAddress;

/**
 * The swarm's root of trust: a self-signed CA certificate and, on the managers, its key. It signs
 * node certificates from CSRs, taking only the public key from the CSR and everything else (who,
 * which role, which cluster, how long) from the caller, as swarmkit's signing policy does.
 *
 * <p>A RootCa without a key ({@link #fromCertificatePem}) only serves as a trust root.
 */
public final class RootCa {
    /** swarmkit's {@code rootCN}. */
    public static final String ROOT_CN = "swarm-ca";
    /** swarmkit's {@code RootCAExpiration}, 630,720,000 s: 20 years. */
    public static final Duration ROOT_VALIDITY = Duration.ofSeconds(630_720_000L);
    /** swarmkit's {@code DefaultNodeCertExpiration}: 2160 h (90 days). */
    public static final Duration DEFAULT_NODE_CERT_EXPIRY = Duration.ofHours(2160);
    /**
     * swarmkit's {@code MinNodeCertExpiration}, 1 h. Tests that watch certificates being renewed
     * lower it with the system property {@code shoal.testing.minNodeCertExpiry} (an ISO-8601
     * duration such as {@code PT10S}); nothing else should.
     */
    public static final Duration MIN_NODE_CERT_EXPIRY = Duration.parse(System.getProperty("shoal.testing.minNodeCertExpiry", "PT1H"));
    /** swarmkit's {@code CertBackdate}: certificates start this long before they are signed, for clock skew. */
    public static final Duration CERT_BACKDATE = Duration.ofHours(1);
    /** The SAN every manager certificate carries besides its role, so clients can ask any manager for certificates. */
    public static final String CA_SAN = "swarm-ca";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey key; // null: trust only
    private final byte[] digest;

    private RootCa(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
        this.digest = sha256(encoded(certificate));
    }

    /** A new root: ECDSA P-256 key, self-signed, CN {@code swarm-ca}, valid 20 years. */
    public static RootCa create() {
        return create(Clock.systemUTC());
    }

    public static RootCa create(Clock clock) {
        KeyPair pair = newEcKeyPair();
        Instant now = clock.instant();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, ROOT_CN).build();
        try {
            var utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(CERT_BACKDATE)), Date.from(now.plus(ROOT_VALIDITY)), name, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(pair.getPublic()));
            return new RootCa(build(b, pair.getPrivate()), pair.getPrivate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot create the root CA", e);
        }
    }

    /**
     * A user-given CA ({@code docker swarm init} with a CA cert and key): the certificate must be
     * a CA certificate valid now, and the key must be its key.
     */
    public static RootCa fromPem(String certificatePem, String keyPem) {
        X509Certificate cert = checkedCaCertificate(certificatePem);
        PrivateKey key = Pem.parsePrivateKey("CA key", keyPem);
        if (!keyMatches(key, cert.getPublicKey())) {
            throw PkiException.invalid("CA key does not match the CA certificate");
        }
        return new RootCa(cert, key);
    }

    /** A trust root only (what a node that is not a manager holds): it verifies but cannot sign. */
    public static RootCa fromCertificatePem(String certificatePem) {
        return new RootCa(checkedCaCertificate(certificatePem), null);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String certificatePem() {
        return Pem.certificate(certificate);
    }

    /** The signing key in PKCS#8 PEM, for storing with the cluster; empty for a trust-only root. */
    public Optional<String> keyPem() {
        return Optional.ofNullable(key).map(Pem::privateKey);
    }

    public boolean canSign() {
        return key != null;
    }

    /** SHA-256 of the DER certificate: what a join token carries. */
    public byte[] digest() {
        return digest.clone();
    }

    /**
     * The node certificate lifetime to use for a cluster's {@code NodeCertExpiry}: the default
     * when unset or zero, refused below one hour with swarmkit's message.
     */
    public static Duration nodeCertExpiry(Duration configured) {
        if (configured == null || configured.isZero()) return DEFAULT_NODE_CERT_EXPIRY;
        if (configured.compareTo(MIN_NODE_CERT_EXPIRY) < 0) {
            throw PkiException.invalid("minimum certificate expiry time is: %s", goDuration(MIN_NODE_CERT_EXPIRY));
        }
        return configured;
    }

    /** Checks a CSR's self-signature and returns the public key it asks to have certified. */
    public static PublicKey verifyCsr(String csrPem) {
        var csr = new JcaPKCS10CertificationRequest(Pem.parseCsr(csrPem));
        try {
            PublicKey pub = csr.getPublicKey();
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(pub))) {
                throw PkiException.invalid("CSR signature is invalid");
            }
            return pub;
        } catch (GeneralSecurityException | OperatorCreationException | PKCSException | IllegalArgumentException e) {
            throw PkiException.invalid("CSR cannot be verified: %s", e.getMessage());
        }
    }

    /**
     * Signs a node certificate for the CSR's public key: subject CN = node id, OU = role, O =
     * cluster; valid from {@code now - 1h} to {@code now + expiry}; digital signature and key
     * encipherment, client and server auth; SANs the role, the node id, and for managers
     * {@code swarm-ca} plus the given addresses (IPs become IP SANs, anything else DNS SANs).
     */
    public X509Certificate sign(String csrPem, NodeIdentity identity, Duration expiry, List<String> addresses, Instant now) {
        if (key == null) throw new IllegalStateException("this root CA has no key: it cannot sign");
        Objects.requireNonNull(identity, "identity");
        Duration validity = nodeCertExpiry(expiry);
        PublicKey subjectKey = verifyCsr(csrPem);

        List<GeneralName> sans = new ArrayList<>();
        sans.add(new GeneralName(GeneralName.dNSName, identity.role().ou()));
        sans.add(new GeneralName(GeneralName.dNSName, identity.nodeId()));
        if (identity.role() == NodeRole.MANAGER) {
            sans.add(new GeneralName(GeneralName.dNSName, CA_SAN));
            for (String a : addresses == null ? List.<String>of() : addresses) {
                if (a == null || a.isBlank()) continue;
                sans.add(IPAddress.isValid(a) ? new GeneralName(GeneralName.iPAddress, a) : new GeneralName(GeneralName.dNSName, a));
            }
        }
        // Only a certificate shorter than the backdate (a test's) is backdated less, by its own
        // validity, so that the renewal window (50-80% of notBefore..notAfter) still starts at issuance.
        Duration backdate = validity.compareTo(CERT_BACKDATE) < 0 ? validity : CERT_BACKDATE;
        try {
            var utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(backdate)), Date.from(now.plus(validity)), identity.subject(), subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
            return build(b, key);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot sign a node certificate", e);
        }
    }

    /**
     * The intermediate of a root rotation: {@code next}'s subject and key, signed by this root
     * (swarmkit's {@code CrossSignCACertificate}). A node certificate signed by the next root's key
     * and sent with it chains to this root, so nodes that still trust only this root accept it
     * while the swarm changes roots; valid as long as {@code next} is.
     */
    public X509Certificate crossSign(X509Certificate next) {
        if (key == null) throw new IllegalStateException("this root CA has no key: it cannot cross-sign");
        try {
            var utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(certificate, serial(),
                    next.getNotBefore(), next.getNotAfter(), next.getSubjectX500Principal(), next.getPublicKey())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(next.getPublicKey()))
                    .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate));
            return build(b, key);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot cross-sign the next root CA", e);
        }
    }

    /** Whether {@code cert} is self-signed: its issuer is itself and its own key verifies it (a root, not a cross-signed intermediate). */
    static boolean isSelfSigned(X509Certificate cert) {
        if (!cert.getIssuerX500Principal().equals(cert.getSubjectX500Principal())) return false;
        try {
            cert.verify(cert.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static KeyPair newEcKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no ECDSA P-256 in this JDK", e);
        }
    }

    static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw PkiException.invalid("unsupported key algorithm %s (use ECDSA or RSA)", key.getAlgorithm());
        };
    }

    /** True when the private key signs what the public key verifies. */
    static boolean keyMatches(PrivateKey key, PublicKey pub) {
        if (!key.getAlgorithm().equals(pub.getAlgorithm())) return false;
        try {
            byte[] probe = new byte[32];
            RANDOM.nextBytes(probe);
            Signature s = Signature.getInstance(signatureAlgorithm(key));
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(signatureAlgorithm(key));
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Go's {@code time.Duration.String()} for whole seconds, as swarmkit's messages print durations: {@code 1h0m0s}. */
    static String goDuration(Duration d) {
        long s = d.toSeconds();
        if (s >= 3600) return "%dh%dm%ds".formatted(s / 3600, s % 3600 / 60, s % 60);
        if (s >= 60) return "%dm%ds".formatted(s / 60, s % 60);
        return s + "s";
    }

    private static X509Certificate checkedCaCertificate(String pem) {
        X509Certificate cert = Pem.parseCertificate("CA certificate", pem);
        if (cert.getBasicConstraints() < 0) throw PkiException.invalid("CA certificate is not a CA (basic constraints CA:FALSE)");
        try {
            cert.checkValidity();
        } catch (CertificateException e) {
            throw PkiException.invalid("CA certificate is not valid now: %s", e.getMessage());
        }
        return cert;
    }

    private static X509Certificate build(X509v3CertificateBuilder b, PrivateKey signer) throws CertificateException {
        try {
            ContentSigner s = new JcaContentSignerBuilder(signatureAlgorithm(signer)).build(signer);
            return new JcaX509CertificateConverter().getCertificate(b.build(s));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(128, RANDOM).setBit(127);
    }

    private static byte[] encoded(X509Certificate cert) {
        try {
            return cert.getEncoded();
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
