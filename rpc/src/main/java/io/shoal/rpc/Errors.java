package io.shoal.rpc;

import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.shoal.api.ApiException;
import io.shoal.api.dispatcher.DispatcherProtocol.NodeRemovedException;
import io.shoal.api.dispatcher.DispatcherProtocol.SessionInvalidException;
import io.shoal.pki.PkiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our exceptions across the wire. A {@link SessionInvalidException} travels as NOT_FOUND marked
 * with the trailer {@code shoal-error: session-invalid}; an {@link ApiException} as the nearest
 * gRPC code with its HTTP status in {@code shoal-api-status}, so both come back as they left; a
 * {@link PkiException} as the {@code ApiException} the Engine API would make of it (400 or 403).
 * Transport failures (UNAVAILABLE, DEADLINE_EXCEEDED, ...) become {@code ApiException(503)},
 * which the agent retries with backoff.
 */
final class Errors {
    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

    static final Metadata.Key<String> ERROR = Metadata.Key.of("shoal-error", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> API_STATUS = Metadata.Key.of("shoal-api-status", Metadata.ASCII_STRING_MARSHALLER);
    static final String SESSION_INVALID = "session-invalid";
    static final String NODE_REMOVED = "node-removed";

    /** Server side: what to send for an exception thrown by the dispatcher or the CA. */
    static StatusException toStatus(RuntimeException thrown) {
        RuntimeException e = thrown instanceof PkiException p ? ApiException.of(p) : thrown;
        var trailers = new Metadata();
        Status status;
        switch (e) {
            case SessionInvalidException s -> {
                status = Status.NOT_FOUND.withDescription(s.getMessage());
                trailers.put(ERROR, SESSION_INVALID);
            }
            case NodeRemovedException r -> {
                status = Status.PERMISSION_DENIED.withDescription(r.getMessage());
                trailers.put(ERROR, NODE_REMOVED);
            }
            case ApiException a -> {
                status = codeOf(a.status()).withDescription(a.getMessage());
                trailers.put(API_STATUS, Integer.toString(a.status()));
            }
            case IllegalArgumentException i -> status = Status.INVALID_ARGUMENT.withDescription(i.getMessage());
            case StatusRuntimeException s -> status = s.getStatus();
            default -> {
                LOG.warn("RPC failed", e);
                status = Status.INTERNAL.withDescription("internal error: " + e);
            }
        }
        return status.asException(trailers);
    }

    /** Client side: the exception the in-process dispatcher would have thrown. */
    static RuntimeException toException(Throwable t, String what) {
        Status status = Status.fromThrowable(t);
        Metadata trailers = Status.trailersFromThrowable(t);
        String description = describe(status);
        if (trailers != null && SESSION_INVALID.equals(trailers.get(ERROR))) {
            return new SessionInvalidException(description);
        }
        if (trailers != null && NODE_REMOVED.equals(trailers.get(ERROR))) {
            return new NodeRemovedException(description);
        }
        if (trailers != null && trailers.get(API_STATUS) != null) {
            try {
                return new ApiException(Integer.parseInt(trailers.get(API_STATUS)), description);
            } catch (NumberFormatException ignored) {
                // fall through to the code
            }
        }
        if (status.getCode() == Status.Code.UNAVAILABLE && tlsFailure(status.getCause()) != null) {
            return new ApiException(503, what + ": TLS handshake with the manager failed (is this node's certificate from"
                    + " this swarm's CA, and the manager's?): " + tlsFailure(status.getCause()));
        }
        return switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, RESOURCE_EXHAUSTED, ABORTED ->
                    new ApiException(503, what + ": manager unreachable (" + status.getCode() + "): " + description);
            case UNAUTHENTICATED -> new ApiException(401, what + " refused: " + description);
            case PERMISSION_DENIED -> new ApiException(403, what + " refused: " + description);
            case INVALID_ARGUMENT, OUT_OF_RANGE -> new ApiException(400, description);
            case NOT_FOUND -> new ApiException(404, description);
            case ALREADY_EXISTS, FAILED_PRECONDITION -> new ApiException(409, description);
            case UNIMPLEMENTED -> new ApiException(501, what + " is not served here: " + description);
            default -> new ApiException(500, what + " failed (" + status.getCode() + "): " + description);
        };
    }

    private static Status codeOf(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> Status.INVALID_ARGUMENT;
            case 401 -> Status.UNAUTHENTICATED;
            case 403 -> Status.PERMISSION_DENIED;
            case 404 -> Status.NOT_FOUND;
            case 409 -> Status.FAILED_PRECONDITION;
            case 501 -> Status.UNIMPLEMENTED;
            case 503 -> Status.UNAVAILABLE;
            default -> httpStatus >= 500 ? Status.INTERNAL : Status.UNKNOWN;
        };
    }

    private static String tlsFailure(Throwable t) {
        for (; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) return t.getMessage();
        }
        return null;
    }

    private static String describe(Status status) {
        String d = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        Throwable cause = status.getCause();
        return cause == null ? d : d + " (" + cause + ")";
    }

    private Errors() {}
}
