package io.shoal.api;

import io.shoal.pki.PkiException;

/**
 * A refusal the caller can act on, carrying the Engine API status code; the HTTP layer turns it
 * into {@code {"message": ...}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }

    public static ApiException invalid(String format, Object... args) {
        return new ApiException(400, args.length == 0 ? format : format.formatted(args));
    }

    public static ApiException notFound(String format, Object... args) {
        return new ApiException(404, args.length == 0 ? format : format.formatted(args));
    }

    public static ApiException conflict(String format, Object... args) {
        return new ApiException(409, args.length == 0 ? format : format.formatted(args));
    }

    /** A PKI refusal as the Engine API and the cluster port answer it: bad input 400, not allowed 403. */
    public static ApiException of(PkiException e) {
        return new ApiException(switch (e.kind()) {
            case INVALID -> 400;
            case DENIED -> 403;
        }, e.getMessage());
    }

    public static ApiException unavailable(String format, Object... args) {
        return new ApiException(503, args.length == 0 ? format : format.formatted(args));
    }
}
