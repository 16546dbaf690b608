package io.shoal.manager.ca;

import io.shoal.api.ApiException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A node's TLS identity: its private key, its certificate chain (leaf first) and the swarm's root
 * certificate. Kept on disk as PEM files under the node's certificate directory with swarmkit's
 * names; the key file is mode 0600. Builds what mutual TLS needs, for the JDK
 * ({@link #sslContext()}) or for gRPC's netty TLS ({@link #privateKey()},
 * {@link #certificateChain()}, {@link #rootCa()}).
 */
public final class NodeCertificates {
    public static final String KEY_FILE = "swarm-node.key";
    public static final String CERT_FILE = "swarm-node.crt";
    public static final String ROOT_CA_FILE = "swarm-root-ca.crt";
    /** swarmkit's {@code CertLowerRotationRange} / {@code CertUpperRotationRange}. */
    static final double RENEW_FROM = 0.5;
    static final double RENEW_UNTIL = 0.8;

    private static final Set<PosixFilePermission> KEY_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> CERT_MODE = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");

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

    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final X509Certificate root;
    private final NodeIdentity identity;

    /**
     * Checks that the key is the leaf's key and that the chain leads to {@code root}; does not
     * check the validity period (an expired certificate must still load so it can be renewed).
     */
    public NodeCertificates(PrivateKey key, List<X509Certificate> chain, X509Certificate root) {
        this.key = Objects.requireNonNull(key, "key");
        this.chain = List.copyOf(chain);
        this.root = Objects.requireNonNull(root, "root");
        if (this.chain.isEmpty()) throw ApiException.invalid("node certificate chain is empty");
        X509Certificate leaf = this.chain.getFirst();
        if (!RootCa.keyMatches(key, leaf.getPublicKey())) {
            throw ApiException.invalid("node key does not match the node certificate");
        }
        try {
            // at the leaf's own start: a chain check, not an expiry check
            PeerAuthenticator.verifyChain(this.chain.toArray(X509Certificate[]::new), root, leaf.getNotBefore().toInstant());
        } catch (GeneralSecurityException e) {
            throw ApiException.invalid("node certificate was not issued by the swarm's root CA: %s", e.getMessage());
        }
        this.identity = NodeIdentity.of(leaf);
    }

    public static NodeCertificates fromPem(String keyPem, String chainPem, String rootCaPem) {
        return new NodeCertificates(Pem.parsePrivateKey("node key", keyPem),
                Pem.parseCertificates("node certificate", chainPem), Pem.parseCertificate("root CA certificate", rootCaPem));
    }

    /** What a node keeps after the CA answered its {@link Request}. */
    public static NodeCertificates of(Request request, String chainPem, String rootCaPem) {
        return fromPem(Pem.privateKey(request.keyPair().getPrivate()), chainPem, rootCaPem);
    }

    /**
     * Loads a node's files from {@code dir}; empty when the node has none yet (it must join).
     * Files that are there but unreadable or mismatched are an error, not an absence.
     */
    public static Optional<NodeCertificates> load(Path dir) throws IOException {
        Path k = dir.resolve(KEY_FILE);
        Path c = dir.resolve(CERT_FILE);
        Path r = dir.resolve(ROOT_CA_FILE);
        if (!Files.exists(k) && !Files.exists(c)) return Optional.empty();
        try {
            return Optional.of(fromPem(Files.readString(k), Files.readString(c), Files.readString(r)));
        } catch (NoSuchFileException e) {
            throw new IOException("node certificates in " + dir + " are incomplete: " + e.getFile() + " is missing", e);
        } catch (ApiException e) {
            throw new IOException("node certificates in " + dir + " are unusable: " + e.getMessage(), e);
        }
    }

    /**
     * Writes root, certificate and key under {@code dir} (created 0700 if missing), each file
     * atomically (a temporary file in the same directory, synced, then renamed over the old one);
     * the key file is created 0600 and never exists with wider permissions.
     */
    public void save(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        }
        writeAtomically(dir, ROOT_CA_FILE, rootCaPem(), CERT_MODE);
        writeAtomically(dir, KEY_FILE, privateKeyPem(), KEY_MODE);
        writeAtomically(dir, CERT_FILE, certificateChainPem(), CERT_MODE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    public NodeIdentity identity() {
        return identity;
    }

    public PrivateKey privateKey() {
        return key;
    }

    /** Leaf first. */
    public X509Certificate[] certificateChain() {
        return chain.toArray(X509Certificate[]::new);
    }

    public X509Certificate certificate() {
        return chain.getFirst();
    }

    public X509Certificate rootCa() {
        return root;
    }

    /** PKCS#8, as gRPC's netty {@code GrpcSslContexts} wants it. */
    public String privateKeyPem() {
        return Pem.privateKey(key);
    }

    public String certificateChainPem() {
        return Pem.certificates(chain);
    }

    public String rootCaPem() {
        return Pem.certificate(root);
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
        return renewalTime(notBefore(), notAfter(), random);
    }

    public static Instant renewalTime(Instant notBefore, Instant notAfter, RandomGenerator random) {
        long span = Duration.between(notBefore, notAfter).toMillis();
        long from = (long) (span * RENEW_FROM);
        long until = (long) (span * RENEW_UNTIL);
        return notBefore.plusMillis(until > from ? random.nextLong(from, until) : from);
    }

    /** True from 80% of the validity period on: whatever point was chosen, it is time to renew. */
    public boolean needsRenewal(Instant now) {
        long span = Duration.between(notBefore(), notAfter()).toMillis();
        return !now.isBefore(notBefore().plusMillis((long) (span * RENEW_UNTIL)));
    }

    /** This node's certificate and key, for either end of a mutual-TLS connection. */
    public KeyManagerFactory keyManagerFactory() {
        try {
            char[] password = new char[0];
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("node", key, password, certificateChain());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the key manager", e);
        }
    }

    /** Trusts the swarm's root and nothing else. */
    public TrustManagerFactory trustManagerFactory() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("swarm-root-ca", root);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            return tmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the trust manager", e);
        }
    }

    /**
     * A TLS 1.3 context presenting this node's certificate and trusting only the swarm's root. A
     * server must still ask for client certificates ({@code setNeedClientAuth(true)}) and check
     * the peer's identity with {@link PeerAuthenticator}.
     */
    public SSLContext sslContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(keyManagerFactory().getKeyManagers(), trustManagerFactory().getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS context", e);
        }
    }

    @Override
    public String toString() {
        return "NodeCertificates[" + identity + ", until " + notAfter() + "]";
    }

    private static void writeAtomically(Path dir, String name, String content, Set<PosixFilePermission> mode) throws IOException {
        Path tmp = Files.createTempFile(dir, "." + name + ".", ".tmp", PosixFilePermissions.asFileAttribute(mode));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.US_ASCII));
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, mode); // the umask may have narrowed it
            try {
                Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + dir.resolve(name) + " atomically", e);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
