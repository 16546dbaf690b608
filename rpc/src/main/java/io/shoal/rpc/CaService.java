package io.shoal.rpc;

import io.grpc.stub.StreamObserver;
import io.shoal.api.ApiException;
import io.shoal.pki.CertificateAuthority;
import io.shoal.pki.IssuedCertificate;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.rpc.proto.CaGrpc;
import io.shoal.rpc.proto.GetRootCaCertificateRequest;
import io.shoal.rpc.proto.GetRootCaCertificateResponse;
import io.shoal.rpc.proto.IssueNodeCertificateRequest;
import io.shoal.rpc.proto.NodeCertificate;
import io.shoal.rpc.proto.RenewNodeCertificateRequest;
import java.util.Set;

/** The gRPC face of a manager's {@link CertificateAuthority}. */
final class CaService extends CaGrpc.CaImplBase {
    /** The only calls a peer without a client certificate may make: what a joining node needs. */
    static final Set<String> OPEN_METHODS = Set.of(
            CaGrpc.getGetRootCaCertificateMethod().getFullMethodName(),
            CaGrpc.getIssueNodeCertificateMethod().getFullMethodName());

    private final CertificateAuthority ca;

    CaService(CertificateAuthority ca) {
        this.ca = ca;
    }

    @Override
    public void getRootCaCertificate(GetRootCaCertificateRequest req, StreamObserver<GetRootCaCertificateResponse> out) {
        DispatcherService.unary(out, () -> GetRootCaCertificateResponse.newBuilder().setRootCaPem(ca.rootCaPem()).build());
    }

    @Override
    public void issueNodeCertificate(IssueNodeCertificateRequest req, StreamObserver<NodeCertificate> out) {
        DispatcherService.unary(out, () -> toProto(ca.issue(req.getCsrPem(), req.getJoinToken(), role(req.getRequestedRole()))));
    }

    @Override
    public void renewNodeCertificate(RenewNodeCertificateRequest req, StreamObserver<NodeCertificate> out) {
        DispatcherService.unary(out, () -> {
            NodeIdentity peer = PeerIdentityInterceptor.current();
            if (peer == null) throw new IllegalStateException("renewal without an authenticated peer");
            return toProto(ca.renew(peer, req.getCsrPem()));
        });
    }

    /** "worker" or "manager"; empty for whatever the token grants. */
    private static NodeRole role(String requested) {
        if (requested.isEmpty()) return null;
        return NodeRole.fromApiName(requested).orElseThrow(() -> ApiException.invalid("invalid role %s", requested));
    }

    private static NodeCertificate toProto(IssuedCertificate c) {
        NodeIdentity id = c.identity();
        return NodeCertificate.newBuilder()
                .setNodeId(id.nodeId())
                .setRole(id.role().apiName())
                .setCertChainPem(c.chainPem())
                .setRootCaPem(c.rootsPem())
                .build();
    }
}
