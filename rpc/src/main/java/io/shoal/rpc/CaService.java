package io.shoal.rpc;

import io.grpc.stub.StreamObserver;
import io.shoal.rpc.proto.CaGrpc;
import io.shoal.rpc.proto.GetRootCaCertificateRequest;
import io.shoal.rpc.proto.GetRootCaCertificateResponse;
import io.shoal.rpc.proto.IssueNodeCertificateRequest;
import io.shoal.rpc.proto.NodeCertificate;
import io.shoal.rpc.proto.RenewNodeCertificateRequest;
import java.util.Set;

/** The gRPC face of a manager's {@link NodeCertificateIssuer}. */
final class CaService extends CaGrpc.CaImplBase {
    /** The only calls a peer without a client certificate may make: what a joining node needs. */
    static final Set<String> OPEN_METHODS = Set.of(
            CaGrpc.getGetRootCaCertificateMethod().getFullMethodName(),
            CaGrpc.getIssueNodeCertificateMethod().getFullMethodName());

    private final NodeCertificateIssuer issuer;

    CaService(NodeCertificateIssuer issuer) {
        this.issuer = issuer;
    }

    @Override
    public void getRootCaCertificate(GetRootCaCertificateRequest req, StreamObserver<GetRootCaCertificateResponse> out) {
        DispatcherService.unary(out, () -> GetRootCaCertificateResponse.newBuilder().setRootCaPem(issuer.rootCaPem()).build());
    }

    @Override
    public void issueNodeCertificate(IssueNodeCertificateRequest req, StreamObserver<NodeCertificate> out) {
        DispatcherService.unary(out, () -> toProto(issuer.issue(req.getCsrPem(), req.getJoinToken(), req.getRequestedRole())));
    }

    @Override
    public void renewNodeCertificate(RenewNodeCertificateRequest req, StreamObserver<NodeCertificate> out) {
        DispatcherService.unary(out, () -> {
            NodeIdentity peer = NodeIdentity.current();
            if (peer == null) throw new IllegalStateException("renewal without an authenticated peer");
            return toProto(issuer.renew(peer, req.getCsrPem()));
        });
    }

    private static NodeCertificate toProto(IssuedCertificate c) {
        return NodeCertificate.newBuilder()
                .setNodeId(c.nodeId())
                .setRole(c.role())
                .setCertChainPem(c.certChainPem())
                .setRootCaPem(c.rootCaPem())
                .build();
    }
}
