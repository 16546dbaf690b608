package io.shoal.daemon.swarm;

import io.shoal.api.ApiException;
import io.shoal.pki.JoinToken;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.PkiException;
import io.shoal.pki.RootCa;
import io.shoal.rpc.CaClient;
import java.time.Duration;
import java.util.List;

/**
 * How a node that joins gets its certificate (swarmkit's join handshake): it fetches the manager's
 * root CA without trusting it, checks it against the digest the join token carries, then asks for
 * a certificate over TLS that authenticates the manager by that root; the token decides the role.
 */
final class Enrollment {
    private static final Duration FETCH_ROOT = Duration.ofSeconds(10);

    private Enrollment() {}

    static NodeCertificates certificateFor(String manager, String token) {
        try {
            JoinToken joinToken = JoinToken.parse(token);
            RootCa root = RootCa.fromCertificatePem(CaClient.fetchRootCa(manager, FETCH_ROOT));
            joinToken.checkRootCa(root);
            NodeCertificates.Request request = NodeCertificates.Request.generate();
            try (CaClient ca = CaClient.joining(manager, List.of(root.certificate()))) {
                return NodeCertificates.of(request, ca.issue(request.csrPem(), token, null));
            }
        } catch (PkiException e) {
            throw ApiException.of(e);
        }
    }
}
