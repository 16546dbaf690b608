package io.shoal.rpc;

import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.pki.NodeIdentity;
import io.shoal.rpc.proto.AssignmentsMessage;
import io.shoal.rpc.proto.AssignmentsRequest;
import io.shoal.rpc.proto.DispatcherGrpc;
import io.shoal.rpc.proto.HeartbeatRequest;
import io.shoal.rpc.proto.HeartbeatResponse;
import io.shoal.rpc.proto.RegisterRequest;
import io.shoal.rpc.proto.RegisterResponse;
import io.shoal.rpc.proto.UpdateTaskStatusRequest;
import io.shoal.rpc.proto.UpdateTaskStatusResponse;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gRPC face of a manager's {@link DispatcherProtocol}; the node id is always the peer certificate's. */
final class DispatcherService extends DispatcherGrpc.DispatcherImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(DispatcherService.class);
    private static final AutoCloseable CLOSED = () -> { };

    private final DispatcherProtocol dispatcher;

    DispatcherService(DispatcherProtocol dispatcher) {
        this.dispatcher = dispatcher;
    }

    @Override
    public void register(RegisterRequest req, StreamObserver<RegisterResponse> out) {
        unary(out, () -> {
            var description = Wire.read(req.getDescriptionJson(), Node.Description.class);
            var s = dispatcher.register(peer(), description, req.getAddr());
            return RegisterResponse.newBuilder()
                    .setSessionId(s.sessionId())
                    .setHeartbeatPeriodNanos(s.heartbeatPeriodNanos())
                    .addAllManagers(s.managers() == null ? java.util.List.of() : s.managers())
                    .build();
        });
    }

    @Override
    public void heartbeat(HeartbeatRequest req, StreamObserver<HeartbeatResponse> out) {
        unary(out, () -> {
            var beat = dispatcher.heartbeat(peer(), req.getSessionId());
            var response = HeartbeatResponse.newBuilder().setPeriodNanos(beat.periodNanos()).setRole(beat.role().apiName());
            if (beat.tls() != null) response.setTlsInfoJson(Wire.json(beat.tls()));
            return response.build();
        });
    }

    @Override
    public void updateTaskStatus(UpdateTaskStatusRequest req, StreamObserver<UpdateTaskStatusResponse> out) {
        unary(out, () -> {
            var updates = req.getUpdatesList().stream().map(Wire::fromProto).toList();
            dispatcher.updateTaskStatus(peer(), req.getSessionId(), updates);
            return UpdateTaskStatusResponse.getDefaultInstance();
        });
    }

    /**
     * Subscribes to the dispatcher and forwards each message; the subscription is closed when the
     * client cancels the stream (it closed its end, or its connection died) or the server stops.
     */
    @Override
    public void assignments(AssignmentsRequest req, StreamObserver<AssignmentsMessage> out) {
        var call = (ServerCallStreamObserver<AssignmentsMessage>) out;
        String nodeId = peer();
        var subscription = new AtomicReference<AutoCloseable>();
        call.setOnCancelHandler(() -> close(subscription.getAndSet(CLOSED), nodeId));
        AutoCloseable s;
        try {
            s = dispatcher.assignments(nodeId, req.getSessionId(), a -> send(call, a, nodeId));
        } catch (RuntimeException e) {
            call.onError(Errors.toStatus(e));
            return;
        }
        if (!subscription.compareAndSet(null, s)) close(s, nodeId); // cancelled meanwhile
    }

    /** The dispatcher may call from any thread; a server call takes one message at a time. */
    private static void send(ServerCallStreamObserver<AssignmentsMessage> call, Assignments a, String nodeId) {
        var message = Wire.toProto(a);
        synchronized (call) {
            if (call.isCancelled()) return;
            try {
                call.onNext(message);
            } catch (RuntimeException e) {
                LOG.debug("assignments for node {} not sent: {}", nodeId, e.toString());
            }
        }
    }

    private static void close(AutoCloseable subscription, String nodeId) {
        if (subscription == null || subscription == CLOSED) return;
        try {
            subscription.close();
        } catch (Exception e) {
            LOG.warn("closing the assignments of node {} failed: {}", nodeId, e.toString());
        }
    }

    private static String peer() {
        NodeIdentity peer = PeerIdentityInterceptor.current();
        if (peer == null) throw new IllegalStateException("dispatcher call without an authenticated peer");
        return peer.nodeId();
    }

    static <T> void unary(StreamObserver<T> out, Supplier<T> body) {
        T response;
        try {
            response = body.get();
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        out.onNext(response);
        out.onCompleted();
    }
}
