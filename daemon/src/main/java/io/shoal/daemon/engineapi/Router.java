package io.shoal.daemon.engineapi;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Maps a method and a path like {@code /services/{id}/update} to its handler. */
public final class Router {
    @FunctionalInterface
    public interface Handler {
        /** Returns the body to send as JSON with status 200, or a {@link Reply}. */
        Object handle(ApiRequest request) throws Exception;
    }

    /** A response other than "200 with this JSON". */
    public record Reply(int status, Object body, String contentType, Map<String, String> headers) {
        public static Reply json(int status, Object body) {
            return new Reply(status, body, "application/json", Map.of());
        }

        public static Reply text(int status, String body) {
            return new Reply(status, body, "text/plain; charset=utf-8", Map.of());
        }

        public static Reply empty(int status) {
            return new Reply(status, null, null, Map.of());
        }

        /** A body written as it is produced, chunked, each write sent at once: logs that follow. */
        public static Reply stream(String contentType, StreamBody body) {
            return new Reply(200, body, contentType, Map.of());
        }

        public Reply withHeaders(Map<String, String> h) {
            return new Reply(status, body, contentType, h);
        }
    }

    /** Writes a streamed response; returning ends it. */
    @FunctionalInterface
    public interface StreamBody {
        void writeTo(Output out) throws Exception;
    }

    /** The connection a {@link StreamBody} writes to. */
    public interface Output {
        /** Sends the bytes at once; an IOException means the client went away. */
        void write(byte[] bytes) throws java.io.IOException;

        /** False once the client has gone away, even while nothing is written. */
        boolean open();
    }

    record Match(Handler handler, Map<String, String> params, boolean streamsBody) {}

    private record Route(String method, String[] segments, Handler handler, boolean streamsBody) {}

    private final List<Route> routes = new ArrayList<>();

    public Router add(String method, String path, Handler handler) {
        routes.add(new Route(method, path.substring(1).split("/"), handler, false));
        return this;
    }

    /** A route whose handler reads a large body itself, as a stream ({@link ApiRequest#bodyStream()}). */
    public Router addUpload(String method, String path, Handler handler) {
        routes.add(new Route(method, path.substring(1).split("/"), handler, true));
        return this;
    }

    /** The handler of a path, or null; {@code methodNotAllowed} tells a known path with another method. */
    Match match(String method, String path, boolean[] pathKnown) {
        String[] parts = path.substring(1).split("/", -1);
        for (Route r : routes) {
            Map<String, String> params = matchPath(r.segments(), parts);
            if (params == null) continue;
            pathKnown[0] = true;
            if (r.method().equals(method) || method.equals("HEAD") && r.method().equals("GET")) {
                return new Match(r.handler(), params, r.streamsBody());
            }
        }
        return null;
    }

    private static Map<String, String> matchPath(String[] pattern, String[] parts) {
        boolean tail = pattern.length > 0 && pattern[pattern.length - 1].equals("{name...}");
        if (tail ? parts.length < pattern.length : parts.length != pattern.length) return null;
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (tail && i == pattern.length - 1) {
                params.put("name", String.join("/", java.util.Arrays.copyOfRange(parts, i, parts.length)));
            } else if (p.startsWith("{")) {
                if (parts[i].isEmpty()) return null;
                params.put(p.substring(1, p.length() - 1), parts[i]);
            } else if (!p.equals(parts[i])) {
                return null;
            }
        }
        return params;
    }
}
