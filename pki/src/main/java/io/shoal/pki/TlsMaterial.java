package io.shoal.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a TLS endpoint of a node presents and trusts: its key, its certificate chain (leaf first)
 * and the roots it trusts (the swarm's root CA). The same material serves both ends, so a node
 * certificate carries both the serverAuth and clientAuth extended key usages. A node's material
 * comes from its {@link NodeCertificates}, which checks that the parts belong together; this
 * record only holds them.
 */
public record TlsMaterial(PrivateKey key, List<X509Certificate> certChain, List<X509Certificate> trustRoots) implements TlsSource {
    public TlsMaterial {
        if (key == null) throw new IllegalArgumentException("TLS material needs a private key");
        certChain = List.copyOf(certChain);
        trustRoots = List.copyOf(trustRoots);
        if (certChain.isEmpty()) throw new IllegalArgumentException("TLS material needs a certificate chain");
        if (trustRoots.isEmpty()) throw new IllegalArgumentException("TLS material needs at least one trust root");
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
}
