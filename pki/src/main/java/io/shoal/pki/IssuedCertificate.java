package io.shoal.pki;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A node certificate as the CA hands it out: the chain (leaf first, then any intermediate) and the
 * roots the node is to trust: the swarm's root, and during a root rotation the next root as well.
 * Who it is for is what the leaf says, so the node's id and role cannot disagree with its certificate.
 */
public record IssuedCertificate(List<X509Certificate> chain, List<X509Certificate> roots) {
    public IssuedCertificate {
        chain = List.copyOf(chain);
        roots = List.copyOf(roots);
        if (chain.isEmpty()) throw PkiException.invalid("the issued certificate chain is empty");
        if (roots.isEmpty()) throw PkiException.invalid("the issued certificate comes without a root CA");
    }

    public NodeIdentity identity() {
        return NodeIdentity.of(chain.getFirst());
    }

    public String chainPem() {
        return Pem.certificates(chain);
    }

    public String rootsPem() {
        return Pem.certificates(roots);
    }
}
