package io.shoal.pki;

/**
 * A refusal by the PKI, saying whose fault it is: {@link Kind#INVALID} when the input was bad (a
 * malformed token, CSR, certificate or key; a token of another swarm), {@link Kind#DENIED} when
 * the input was understood but the peer or the request is not allowed. The edges that speak HTTP
 * or gRPC map the first to 400 and the second to 403; the message is meant for the user as is.
 */
public final class PkiException extends RuntimeException {
    public enum Kind { INVALID, DENIED }

    private final Kind kind;

    private PkiException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static PkiException invalid(String format, Object... args) {
        return new PkiException(Kind.INVALID, args.length == 0 ? format : format.formatted(args));
    }

    public static PkiException denied(String format, Object... args) {
        return new PkiException(Kind.DENIED, args.length == 0 ? format : format.formatted(args));
    }
}
