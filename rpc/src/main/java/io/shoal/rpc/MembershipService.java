package io.shoal.rpc;

import io.grpc.stub.StreamObserver;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.TlsSource;
import io.shoal.rpc.proto.JoinRaftRequest;
import io.shoal.rpc.proto.JoinRaftResponse;
import io.shoal.rpc.proto.MembershipGrpc;

/** The gRPC face of {@link RaftMembership}: only a peer with a manager certificate may join. */
final class MembershipService extends MembershipGrpc.MembershipImplBase {
    private final RaftMembership membership;

    MembershipService(RaftMembership membership) {
        this.membership = membership;
    }

    @Override
    public void joinRaft(JoinRaftRequest req, StreamObserver<JoinRaftResponse> out) {
        DispatcherService.unary(out, () -> {
            NodeIdentity peer = PeerIdentityInterceptor.requireManager("join the Raft group");
            membership.join(peer, req.getRaftAddress(), req.getClusterAddress());
            return JoinRaftResponse.getDefaultInstance();
        });
    }

    /** Asks the manager at {@code target} to add this manager (the owner of {@code tls}) to the Raft group. */
    static void join(String target, TlsSource tls, String raftAddress, String clusterAddress) {
        var channel = RpcChannels.mutualTls(target, tls);
        try {
            MembershipGrpc.newBlockingStub(channel)
                    // The leader adds the member once it has caught up, which takes a whole-state fetch.
                    .withDeadlineAfter(40, java.util.concurrent.TimeUnit.SECONDS)
                    .joinRaft(JoinRaftRequest.newBuilder().setRaftAddress(raftAddress).setClusterAddress(clusterAddress).build());
        } catch (RuntimeException e) {
            throw Errors.toException(e, "joining the managers' Raft group");
        } finally {
            RpcChannels.close(channel);
        }
    }
}
