package io.shoal.rpc;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A node's TLS identity: its key, its certificate chain (leaf first) and the roots it trusts
 * (the swarm's root CA). The same material serves both ends: a manager's node certificate is its
 * server certificate, so it needs both the serverAuth and clientAuth extended key usages and the
 * role ({@value NodeIdentity#MANAGER_OU}) among its DNS subject alternative names, which clients
 * check as the server name (see {@link RpcChannels#MANAGER_SERVER_NAME}).
 */
public record TlsMaterial(PrivateKey key, List<X509Certificate> certChain, List<X509Certificate> trustRoots) implements TlsSource {
    public TlsMaterial {
        if (key == null) throw new IllegalArgumentException("TLS material needs a private key");
        certChain = List.copyOf(certChain);
        trustRoots = List.copyOf(trustRoots);
        if (certChain.isEmpty()) throw new IllegalArgumentException("TLS material needs a certificate chain");
        if (trustRoots.isEmpty()) throw new IllegalArgumentException("TLS material needs at least one trust root");
    }

    /** From PEM text: a PKCS#8 key, a chain leaf first, one or more root certificates. */
    public static TlsMaterial fromPem(String keyPem, String certChainPem, String trustRootsPem) {
        return new TlsMaterial(Pem.privateKey(keyPem), Pem.certificates(certChainPem), Pem.certificates(trustRootsPem));
    }

    /** Fixed material: always this. */
    @Override
    public TlsMaterial current() {
        return this;
    }

    /** The node this material speaks for (its leaf certificate's subject). */
    public NodeIdentity identity() {
        return NodeIdentity.of(certChain.getFirst());
    }

    X509Certificate[] chainArray() {
        return certChain.toArray(X509Certificate[]::new);
    }

    X509Certificate[] rootsArray() {
        return trustRoots.toArray(X509Certificate[]::new);
    }
}
