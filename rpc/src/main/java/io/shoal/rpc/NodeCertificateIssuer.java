package io.shoal.rpc;

/**
 * The manager's certificate authority as the RPC server calls it. Refusals are thrown as
 * {@link io.shoal.api.ApiException} (400 for a bad CSR or token, 403 for a role the token does
 * not allow, 503 when this manager cannot sign) and reach the caller with their message.
 */
public interface NodeCertificateIssuer {

    /** The swarm's root CA certificate, PEM. */
    String rootCaPem();

    /**
     * Signs a joining node's CSR. The join token decides whether {@code requestedRole}
     * ("worker" or "manager") is allowed; the CA chooses the node id.
     */
    IssuedCertificate issue(String csrPem, String joinToken, String requestedRole);

    /** Signs a new CSR for {@code peer}, identified by the certificate it called with. */
    IssuedCertificate renew(NodeIdentity peer, String csrPem);
}
