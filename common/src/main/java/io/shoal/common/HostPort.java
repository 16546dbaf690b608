package io.shoal.common;

/**
 * An address as Docker writes it: {@code host:port}, {@code [v6]:port}, a bare host (the default
 * port), or {@code :port} (every interface).
 */
public record HostPort(String host, int port) {
    public static final String ANY_HOST = "0.0.0.0";

    public HostPort {
        if (host == null || host.isEmpty()) throw new IllegalArgumentException("an address needs a host");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("invalid port " + port + ": must be 0 to 65535");
    }

    /** Parses {@code text}; a missing port is {@code defaultPort}, a missing host {@link #ANY_HOST}. */
    public static HostPort parse(String text, int defaultPort) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty address");
        String s = text.strip();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("invalid address " + text + ": missing ']'");
            host = s.substring(1, close);
            String rest = s.substring(close + 1);
            if (!rest.isEmpty() && !rest.startsWith(":")) throw new IllegalArgumentException("invalid address " + text);
            port = rest.isEmpty() ? null : rest.substring(1);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon >= 0 && s.indexOf(':') != colon) throw new IllegalArgumentException("invalid address " + text + ": IPv6 addresses go in brackets");
            host = colon < 0 ? s : s.substring(0, colon);
            port = colon < 0 ? null : s.substring(colon + 1);
        }
        if (host.isEmpty()) host = ANY_HOST;
        if (port == null) return new HostPort(host, defaultPort);
        try {
            return new HostPort(host, Integer.parseInt(port));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port in address " + text + ": " + port);
        }
    }

    /** The same host at another port. */
    public HostPort withPort(int p) {
        return new HostPort(host, p);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
