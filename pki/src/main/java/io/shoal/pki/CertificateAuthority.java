package io.shoal.pki;

/**
 * The swarm's certificate authority as the cluster port serves it. Refusals are
 * {@link PkiException}s (a bad CSR or token, a role the token does not grant, a node that may
 * not have a certificate) or the implementation's own (say, a manager that cannot sign yet); they
 * reach the caller with their message.
 */
public interface CertificateAuthority {

    /** The swarm's root CA certificate, PEM. */
    String rootCaPem();

    /**
     * Signs a joining node's CSR. The join token decides whether {@code requestedRole} (null:
     * whatever the token grants) is allowed; the CA chooses the node id.
     */
    IssuedCertificate issue(String csrPem, String joinToken, NodeRole requestedRole);

    /** Signs a new CSR for {@code peer}, identified by the certificate it called with. */
    IssuedCertificate renew(NodeIdentity peer, String csrPem);
}
