package io.shoal.rpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import io.shoal.pki.NodeRole;
import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.pki.TlsSource;
import io.shoal.rpc.proto.AssignmentsMessage;
import io.shoal.rpc.proto.AssignmentsRequest;
import io.shoal.rpc.proto.DispatcherGrpc;
import io.shoal.rpc.proto.HeartbeatRequest;
import io.shoal.rpc.proto.RegisterRequest;
import io.shoal.rpc.proto.UpdateTaskStatusRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The managers' dispatcher seen from an agent, over gRPC. Behaves like the in-process one:
 * <ul>
 * <li>the {@code nodeId} arguments are not sent — the managers take the node id from this node's
 *     certificate;</li>
 * <li>unary calls have a deadline; {@link SessionInvalidException} comes back as itself, a
 *     manager's {@link ApiException} with its status, and an unreachable manager (UNAVAILABLE, a
 *     deadline, a refused handshake) as {@code ApiException(503)} — the agent re-registers on the
 *     first and retries with backoff on the others;</li>
 * <li>{@link #assignments} returns once the COMPLETE message has been delivered (or throws as the
 *     other calls do), then delivers INCREMENTAL ones on one thread at a time until closed. If the
 *     stream breaks without being closed, the session is reported invalid on its next heartbeat or
 *     status update, so the agent registers and subscribes again instead of going deaf.</li>
 * </ul>
 */
public final class RemoteDispatcher implements DispatcherProtocol, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteDispatcher.class);
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(10);

    private final ManagedChannel channel;
    private final Duration callTimeout;
    /** Sessions whose assignments stream broke, with why. */
    private final Map<String, String> brokenSessions = new ConcurrentHashMap<>();

    /** Takes ownership of the channel (closed with this). */
    public RemoteDispatcher(ManagedChannel channel, Duration callTimeout) {
        this.channel = channel;
        this.callTimeout = callTimeout;
    }

    /** Mutual TLS to a manager's cluster port, {@code host:port}. */
    public static RemoteDispatcher connect(String target, TlsSource tls) {
        return new RemoteDispatcher(RpcChannels.mutualTls(target, tls), DEFAULT_CALL_TIMEOUT);
    }

    @Override
    public Session register(String nodeId, Node.Description description, String addr) {
        var req = RegisterRequest.newBuilder().setDescriptionJson(Wire.json(description));
        if (addr != null) req.setAddr(addr);
        var r = call("register", () -> stub().register(req.build()));
        brokenSessions.clear(); // a new session supersedes the old ones
        return new Session(r.getSessionId(), r.getHeartbeatPeriodNanos(), List.copyOf(r.getManagersList()));
    }

    @Override
    public Heartbeat heartbeat(String nodeId, String sessionId) {
        requireUnbroken(sessionId);
        var r = call("heartbeat", () -> stub().heartbeat(HeartbeatRequest.newBuilder().setSessionId(sessionId).build()));
        return new Heartbeat(r.getPeriodNanos(), NodeRole.fromApiName(r.getRole()).orElse(null),
                r.getTlsInfoJson().isEmpty() ? null : Wire.read(r.getTlsInfoJson(), Node.TlsInfo.class));
    }

    @Override
    public void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        requireUnbroken(sessionId);
        var req = UpdateTaskStatusRequest.newBuilder().setSessionId(sessionId);
        updates.forEach(u -> req.addUpdates(Wire.toProto(u)));
        call("task status update", () -> stub().updateTaskStatus(req.build()));
    }

    @Override
    public AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener) {
        ClientCall<AssignmentsRequest, AssignmentsMessage> call =
                channel.newCall(DispatcherGrpc.getAssignmentsMethod(), CallOptions.DEFAULT);
        var stream = new AssignmentsStream(sessionId, listener);
        ClientCalls.asyncServerStreamingCall(call, AssignmentsRequest.newBuilder().setSessionId(sessionId).build(), stream);
        try {
            stream.first.get(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            call.cancel("no COMPLETE assignments within " + callTimeout, null);
            throw new ApiException(503, "assignments: no COMPLETE message from the manager within " + callTimeout);
        } catch (ExecutionException e) {
            throw Errors.toException(e.getCause(), "assignments");
        } catch (InterruptedException e) {
            call.cancel("interrupted", e);
            Thread.currentThread().interrupt();
            throw new ApiException(503, "assignments: interrupted while subscribing");
        }
        return () -> {
            stream.closed = true;
            call.cancel("closed by the agent", null);
        };
    }

    /** Closes the channel; open assignment streams end with it. */
    @Override
    public void close() {
        RpcChannels.close(channel);
    }

    private DispatcherGrpc.DispatcherBlockingStub stub() {
        return DispatcherGrpc.newBlockingStub(channel).withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void requireUnbroken(String sessionId) {
        String why = brokenSessions.get(sessionId);
        if (why != null) throw new SessionInvalidException("session " + sessionId + " lost its assignments stream: " + why);
    }

    private static <T> T call(String what, Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (RuntimeException e) {
            throw Errors.toException(e, what);
        }
    }

    private final class AssignmentsStream implements StreamObserver<AssignmentsMessage> {
        final CompletableFuture<Void> first = new CompletableFuture<>();
        private final String sessionId;
        private final Consumer<Assignments> listener;
        volatile boolean closed;

        AssignmentsStream(String sessionId, Consumer<Assignments> listener) {
            this.sessionId = sessionId;
            this.listener = listener;
        }

        @Override
        public void onNext(AssignmentsMessage m) {
            try {
                listener.accept(Wire.fromProto(m));
            } catch (RuntimeException e) {
                LOG.warn("assignments listener of session {} failed", sessionId, e);
            }
            first.complete(null);
        }

        @Override
        public void onError(Throwable t) {
            if (first.completeExceptionally(t) || closed) return;
            broken(Errors.toException(t, "assignments").getMessage());
        }

        @Override
        public void onCompleted() {
            if (first.completeExceptionally(new ApiException(503, "the manager ended the assignments stream before COMPLETE"))
                    || closed) {
                return;
            }
            broken("ended by the manager");
        }

        private void broken(String why) {
            LOG.warn("assignments stream of session {} broke: {}", sessionId, why);
            brokenSessions.put(sessionId, why);
        }
    }
}
