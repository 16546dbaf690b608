package io.shoal.rpc;

import io.grpc.ManagedChannel;
import io.shoal.pki.IssuedCertificate;
import io.shoal.pki.NodeRole;
import io.shoal.pki.Pem;
import io.shoal.pki.TlsSource;
import io.shoal.rpc.proto.CaGrpc;
import io.shoal.rpc.proto.GetRootCaCertificateRequest;
import io.shoal.rpc.proto.IssueNodeCertificateRequest;
import io.shoal.rpc.proto.NodeCertificate;
import io.shoal.rpc.proto.RenewNodeCertificateRequest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A node's client of the managers' CA. Joining goes:
 * <ol>
 * <li>{@link #fetchRootCa} — the root certificate, over TLS that verifies nothing (the node has no
 *     trust root yet); the caller compares its digest with the one in the join token and stops on
 *     a mismatch;</li>
 * <li>{@link #joining} with that root — server-authenticated TLS, no client certificate — and
 *     {@link #issue} with a CSR and the token;</li>
 * <li>from then on {@link #authenticated} with the issued certificate, and {@link #renew}.</li>
 * </ol>
 * Refusals come back as {@link io.shoal.api.ApiException} with the CA's message; a malformed
 * answer as a {@link io.shoal.pki.PkiException}.
 */
public final class CaClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final Duration callTimeout;

    /** Takes ownership of the channel (closed with this). */
    public CaClient(ManagedChannel channel, Duration callTimeout) {
        this.channel = channel;
        this.callTimeout = callTimeout;
    }

    /** For a node without a certificate: TLS that authenticates the server against {@code rootCa}. */
    public static CaClient joining(String target, List<X509Certificate> rootCa) {
        return new CaClient(RpcChannels.serverAuthenticated(target, rootCa), RemoteDispatcher.DEFAULT_CALL_TIMEOUT);
    }

    /** For a node with a certificate (renewal): mutual TLS. */
    public static CaClient authenticated(String target, TlsSource tls) {
        return new CaClient(RpcChannels.mutualTls(target, tls), RemoteDispatcher.DEFAULT_CALL_TIMEOUT);
    }

    /**
     * The root CA PEM the manager at {@code target} serves, fetched WITHOUT verifying the server:
     * trust it only after checking its digest against the join token.
     */
    public static String fetchRootCa(String target, Duration timeout) {
        try (var ca = new CaClient(RpcChannels.trustOnFirstUse(target), timeout)) {
            return ca.rootCaPem();
        }
    }

    public String rootCaPem() {
        return call("fetching the root CA", () -> stub().getRootCaCertificate(GetRootCaCertificateRequest.getDefaultInstance()))
                .getRootCaPem();
    }

    /** Asks for a certificate for a new node; {@code requestedRole} null for whatever the token grants. */
    public IssuedCertificate issue(String csrPem, String joinToken, NodeRole requestedRole) {
        var req = IssueNodeCertificateRequest.newBuilder()
                .setCsrPem(csrPem).setJoinToken(joinToken)
                .setRequestedRole(requestedRole == null ? "" : requestedRole.apiName()).build();
        return fromProto(call("joining the swarm", () -> stub().issueNodeCertificate(req)));
    }

    /** A new certificate for this node (the one it is connected with), for the key in the CSR. */
    public IssuedCertificate renew(String csrPem) {
        var req = RenewNodeCertificateRequest.newBuilder().setCsrPem(csrPem).build();
        return fromProto(call("renewing the node certificate", () -> stub().renewNodeCertificate(req)));
    }

    @Override
    public void close() {
        RpcChannels.close(channel);
    }

    private CaGrpc.CaBlockingStub stub() {
        return CaGrpc.newBlockingStub(channel).withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The certificates as sent; who they are for is read from the leaf, not from the message's fields. */
    private static IssuedCertificate fromProto(NodeCertificate c) {
        return new IssuedCertificate(Pem.parseCertificates("issued certificate", c.getCertChainPem()),
                Pem.parseCertificates("root CA certificate", c.getRootCaPem()));
    }

    private static <T> T call(String what, Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (RuntimeException e) {
            throw Errors.toException(e, what);
        }
    }
}
