package io.shoal.pki;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;

/**
 * A node certificate as the CA hands it out: the chain (leaf first) and the swarm's root. Who it
 * is for is what the leaf says, so the node's id and role cannot disagree with its certificate.
 */
public record IssuedCertificate(List<X509Certificate> chain, X509Certificate rootCa) {
    public IssuedCertificate {
        chain = List.copyOf(chain);
        if (chain.isEmpty()) throw PkiException.invalid("the issued certificate chain is empty");
        Objects.requireNonNull(rootCa, "rootCa");
    }

    public NodeIdentity identity() {
        return NodeIdentity.of(chain.getFirst());
    }

    public String chainPem() {
        return Pem.certificates(chain);
    }

    public String rootCaPem() {
        return Pem.certificate(rootCa);
    }
}
