package io.shoal.pki;

import io.shoal.common.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A node's TLS identity: its private key, its certificate chain (leaf first, then any intermediate)
 * and the roots it trusts (the swarm's root; during a root rotation the next one too), checked to
 * belong together. {@link #tls()} is what the node's TLS endpoints use.
 *
 * <p>On disk it is one file, {@value #FILE} (mode 0600) in the node's certificate directory: the
 * key, then the chain, then the roots, in PEM (the roots are the self-signed certificates at the
 * end; a cross-signed intermediate is not self-signed). One file because the key and the certificate must
 * change together: renewal replaces the file with one rename, so a crash leaves the old pair or
 * the new one, never the new key beside the old certificate. On a locked node (autolock) the key
 * is sealed with the node's data key, which is itself sealed ({@link NodeKeys}).
 */
public final class NodeCertificates {
    public static final String FILE = "swarm-node.pem";
    /** swarmkit's {@code CertLowerRotationRange} / {@code CertUpperRotationRange}. */
    static final double RENEW_FROM = 0.5;
    static final double RENEW_UNTIL = 0.8;

    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final String CERTIFICATE_BEGIN = "-----BEGIN CERTIFICATE-----";
    /** The PEM type of a key sealed with the node's data key: its PKCS#8 DER, AES-GCM sealed. */
    static final String SEALED_KEY = "SHOAL SEALED PRIVATE KEY";
    private static final byte[] SEALED_KEY_PLACE = "node key".getBytes(StandardCharsets.US_ASCII);

    /** A fresh key and the CSR a node sends to get it certified. The key never leaves the node. */
    public record Request(KeyPair keyPair, String csrPem) {
        public static Request generate() {
            KeyPair pair = RootCa.newEcKeyPair();
            try {
                var csr = new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), pair.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate()));
                return new Request(pair, Pem.encode("CERTIFICATE REQUEST", csr.getEncoded()));
            } catch (OperatorCreationException | IOException e) {
                throw new IllegalStateException("cannot create a CSR", e);
            }
        }

        @Override
        public String toString() {
            return "Request[csr]";
        }
    }

    private final TlsMaterial tls;
    private final NodeIdentity identity;
    private final IssuerInfo issuer;

    /**
     * Checks that the key is the leaf's key and that the chain leads to one of {@code roots}; does
     * not check the validity period (an expired certificate must still load so it can be renewed).
     */
    public NodeCertificates(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> roots) {
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) throw PkiException.invalid("node certificate chain is empty");
        if (roots.isEmpty()) throw PkiException.invalid("node certificates without a root CA");
        X509Certificate leaf = chain.getFirst();
        if (!RootCa.keyMatches(key, leaf.getPublicKey())) {
            throw PkiException.invalid("node key does not match the node certificate");
        }
        // A leaf of a rotation's next root chains to the old root through the intermediate, and to
        // the next root directly: either path, to any root held, will do.
        GeneralSecurityException refused = null;
        search:
        for (X509Certificate root : roots) {
            for (List<X509Certificate> path : List.of(chain, List.of(leaf))) {
                try {
                    // at the leaf's own start: a chain check, not an expiry check
                    verifyChain(path, root, leaf.getNotBefore().toInstant());
                    refused = null;
                    break search;
                } catch (GeneralSecurityException e) {
                    refused = e;
                }
            }
        }
        if (refused != null) {
            throw PkiException.invalid("node certificate was not issued by the swarm's root CA: %s", refused.getMessage());
        }
        this.identity = NodeIdentity.of(leaf);
        this.tls = new TlsMaterial(key, chain, roots);
        this.issuer = IssuerInfo.of(issuerOf(leaf, chain, roots));
    }

    /** What a node keeps after the CA answered its {@link Request}. */
    public static NodeCertificates of(Request request, IssuedCertificate issued) {
        return new NodeCertificates(request.keyPair().getPrivate(), issued.chain(), issued.roots());
    }

    /** The certificate whose key signed the leaf: the intermediate sent with it, or a root. */
    private static X509Certificate issuerOf(X509Certificate leaf, List<X509Certificate> chain, List<X509Certificate> roots) {
        List<X509Certificate> candidates = new ArrayList<>(chain.subList(1, chain.size()));
        candidates.addAll(roots);
        for (X509Certificate c : candidates) {
            if (!c.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) continue;
            try {
                leaf.verify(c.getPublicKey());
                return c;
            } catch (GeneralSecurityException e) {
                // another certificate of the same name: a root rotation's
            }
        }
        throw PkiException.invalid("no certificate of the chain or roots signed the node certificate");
    }

    /**
     * Loads a node's file from {@code dir}, whose key is in clear; empty when the node has none yet
     * (it must join). A file that is there but unreadable or mismatched is an error, not an absence.
     */
    public static Optional<NodeCertificates> load(Path dir) throws IOException {
        return load(dir, null);
    }

    /**
     * As {@link #load(Path)}, the key in clear or sealed with {@code dataKey} (as {@link NodeKeys}
     * writes it on a locked node).
     */
    static Optional<NodeCertificates> load(Path dir, DataKey dataKey) throws IOException {
        Path file = dir.resolve(FILE);
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            int certs = pem.indexOf(CERTIFICATE_BEGIN);
            if (certs < 0) throw PkiException.invalid("no certificate after the key");
            List<X509Certificate> all = Pem.parseCertificates("node certificate", pem.substring(certs));
            int roots = all.size();
            while (roots > 1 && RootCa.isSelfSigned(all.get(roots - 1))) roots--;
            if (roots == all.size()) throw PkiException.invalid("no root CA certificate after the node's");
            return Optional.of(new NodeCertificates(privateKey(pem.substring(0, certs), dataKey),
                    all.subList(0, roots), all.subList(roots, all.size())));
        } catch (PkiException e) {
            throw new IOException("node certificates in " + file + " are unusable: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(String pem, DataKey dataKey) throws IOException {
        if (!pem.contains("-----BEGIN " + SEALED_KEY + "-----")) return Pem.parsePrivateKey("node key", pem);
        if (dataKey == null) throw PkiException.invalid("the node key is sealed and no data key was given to open it");
        byte[] pkcs8 = dataKey.open(Pem.decode(SEALED_KEY, pem), SEALED_KEY_PLACE);
        return Pem.parsePrivateKey("node key", Pem.encode("PRIVATE KEY", pkcs8));
    }

    /**
     * Writes key, chain and root as the one file under {@code dir} (created 0700 if missing), in
     * one atomic step; the file is created 0600 and never exists with wider permissions. The key
     * is sealed with {@code sealWith} when given (a locked node's), else in clear.
     */
    void save(Path dir, DataKey sealWith) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        }
        String key = sealWith == null ? Pem.privateKey(tls.key())
                : Pem.encode(SEALED_KEY, sealWith.seal(tls.key().getEncoded(), SEALED_KEY_PLACE));
        String pem = key + Pem.certificates(tls.certChain()) + Pem.certificates(tls.trustRoots());
        FileTrees.writeAtomically(dir.resolve(FILE), pem.getBytes(StandardCharsets.US_ASCII), FILE_MODE);
    }

    public NodeIdentity identity() {
        return identity;
    }

    /** The key, chain and root as this node's TLS endpoints present and trust them. */
    public TlsMaterial tls() {
        return tls;
    }

    /** Who signed this node's certificate, as the Engine API's {@code TLSInfo} names it. */
    public IssuerInfo issuer() {
        return issuer;
    }

    /** The roots this node trusts, in PEM, as the Engine API's {@code TLSInfo.TrustRoot} shows them. */
    public String trustRootsPem() {
        return Pem.certificates(tls.trustRoots());
    }

    private X509Certificate certificate() {
        return tls.certChain().getFirst();
    }

    public Instant notBefore() {
        return certificate().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return certificate().getNotAfter().toInstant();
    }

    public boolean isExpired(Instant now) {
        return !now.isBefore(notAfter());
    }

    /**
     * When to renew, chosen as swarmkit does: a random point between 50% and 80% of the validity
     * period, so that nodes joined together do not all renew together. Choose once per certificate.
     */
    public Instant renewalTime(RandomGenerator random) {
        long span = Duration.between(notBefore(), notAfter()).toMillis();
        long from = (long) (span * RENEW_FROM);
        long until = (long) (span * RENEW_UNTIL);
        return notBefore().plusMillis(until > from ? random.nextLong(from, until) : from);
    }

    @Override
    public String toString() {
        return "NodeCertificates[" + identity + ", until " + notAfter() + "]";
    }

    /**
     * PKIX validation of {@code chain} (leaf first, the root itself may be included or not)
     * against {@code root} as the only trust anchor, at {@code at}; no revocation lists.
     */
    private static void verifyChain(List<X509Certificate> chain, X509Certificate root, Instant at) throws GeneralSecurityException {
        List<X509Certificate> path = new ArrayList<>(chain);
        path.remove(root);
        if (path.isEmpty()) throw new GeneralSecurityException("the chain holds only the root");
        var params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        params.setRevocationEnabled(false);
        params.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    }
}
