package io.shoal.rpc;

import io.grpc.stub.StreamObserver;
import io.shoal.pki.TlsSource;
import io.shoal.rpc.proto.FetchStateRequest;
import io.shoal.rpc.proto.FetchStateResponse;
import io.shoal.rpc.proto.StateTransferGrpc;
import com.google.protobuf.ByteString;
import java.util.concurrent.TimeUnit;

/** The gRPC face of {@link StateTransfer}: the store goes only to a peer with a manager certificate. */
final class StateTransferService extends StateTransferGrpc.StateTransferImplBase {
    private final StateTransfer transfer;

    StateTransferService(StateTransfer transfer) {
        this.transfer = transfer;
    }

    @Override
    public void fetch(FetchStateRequest req, StreamObserver<FetchStateResponse> out) {
        DispatcherService.unary(out, () -> {
            PeerIdentityInterceptor.requireManager("fetch the swarm's state");
            return FetchStateResponse.newBuilder().setState(ByteString.copyFrom(transfer.export(req.getMinIndex()))).build();
        });
    }

    static byte[] fetch(String target, TlsSource tls, long minIndex) {
        var channel = RpcChannels.mutualTls(target, tls);
        try {
            return StateTransferGrpc.newBlockingStub(channel)
                    .withMaxInboundMessageSize(RpcServer.MAX_MESSAGE_BYTES)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .fetch(FetchStateRequest.newBuilder().setMinIndex(minIndex).build())
                    .getState().toByteArray();
        } catch (RuntimeException e) {
            throw Errors.toException(e, "fetching the swarm's state from " + target);
        } finally {
            RpcChannels.close(channel);
        }
    }
}
