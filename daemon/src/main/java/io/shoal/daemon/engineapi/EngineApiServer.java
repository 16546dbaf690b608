package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import io.shoal.pki.PkiException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker Engine API over HTTP/1.1 on a unix socket. Paths may carry a {@code /v1.NN}
 * prefix; every response carries the version headers the docker CLI negotiates with, and every
 * error is a {@code {"message": ...}} body with Docker's status code.
 */
public final class EngineApiServer implements AutoCloseable {
    public static final String API_VERSION = "1.45";
    public static final String MIN_API_VERSION = "1.24";
    private static final Logger log = LoggerFactory.getLogger(EngineApiServer.class);
    private static final Pattern VERSIONED = Pattern.compile("^/v(\\d+)\\.(\\d+)(/.*)$");
    /** Large enough for any spec; a bigger body is refused rather than buffered. */
    private static final int MAX_BODY = 16 << 20;

    private final Server server;
    private final Router router;
    private final String serverHeader;

    public EngineApiServer(Path socket, Router router, String engineVersion) throws Exception {
        this.router = router;
        this.serverHeader = "Docker/" + engineVersion + " (linux)";
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("engine-api");
        threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setSendDateHeader(true);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, new HttpConnectionFactory(config));
        Files.createDirectories(socket.toAbsolutePath().getParent());
        Files.deleteIfExists(socket);
        connector.setUnixDomainPath(socket);
        // Many clients connecting at once (scripts, a stack deploy, a benchmark) would otherwise
        // find the listen queue full and be refused with EAGAIN.
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                serve(request, response, callback);
                return true;
            }
        });
        server.start();
    }

    private void serve(Request request, Response response, Callback callback) {
        var headers = response.getHeaders();
        headers.put("Api-Version", API_VERSION);
        headers.put("Ostype", "linux");
        headers.put("Server", serverHeader);
        headers.put("Docker-Experimental", "false");
        Router.Reply reply;
        try {
            reply = dispatch(request);
        } catch (ApiException e) {
            reply = error(e.status(), e.getMessage());
        } catch (PkiException e) {
            reply = error(ApiException.of(e).status(), e.getMessage());
        } catch (Exception e) {
            log.error("{} {} failed", request.getMethod(), request.getHttpURI().getPath(), e);
            reply = error(500, "internal error: " + e);
        }
        response.setStatus(reply.status());
        reply.headers().forEach(headers::put);
        if (reply.body() == null || request.getMethod().equals("HEAD")) {
            callback.succeeded();
            return;
        }
        if (reply.body() instanceof Router.StreamBody body) {
            headers.put(HttpHeader.CONTENT_TYPE, reply.contentType());
            stream(request, response, callback, body);
            return;
        }
        byte[] bytes;
        try {
            bytes = reply.body() instanceof String s && !reply.contentType().startsWith("application/json")
                    ? s.getBytes(StandardCharsets.UTF_8)
                    : Json.MAPPER.writeValueAsBytes(reply.body());
        } catch (Exception e) {
            log.error("cannot encode response", e);
            response.setStatus(500);
            bytes = "{\"message\":\"internal error: cannot encode response\"}".getBytes(StandardCharsets.UTF_8);
        }
        headers.put(HttpHeader.CONTENT_TYPE, reply.contentType());
        response.write(true, ByteBuffer.wrap(bytes), callback);
    }

    /**
     * Writes a streamed body on this (virtual) thread: headers first, so that the client sees the
     * status before the first line; then each write as a chunk of its own. The idle timeout is
     * off meanwhile (a follower may wait long for a line); {@link Router.Output#open()} looks
     * at the connection, so a body that waits for lines stops when the client goes away
     * without having to write.
     */
    private void stream(Request request, Response response, Callback callback, Router.StreamBody body) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        long idleTimeout = endPoint.getIdleTimeout();
        endPoint.setIdleTimeout(0);
        AtomicBoolean gone = new AtomicBoolean();
        request.addFailureListener(t -> gone.set(true));
        OutputStream out = Content.Sink.asOutputStream(response);
        Throwable failure = null;
        try {
            out.flush();
            body.writeTo(new Router.Output() {
                @Override
                public void write(byte[] bytes) throws IOException {
                    if (gone.get()) throw new EofException("client went away");
                    out.write(bytes);
                }

                @Override
                public boolean open() {
                    if (!gone.get() && clientClosed(endPoint)) gone.set(true);
                    return !gone.get();
                }
            });
        } catch (Throwable e) {
            failure = e;
            if (!(e instanceof IOException) && !gone.get()) log.error("{} {}: stream failed", request.getMethod(), request.getHttpURI().getPath(), e);
        } finally {
            endPoint.setIdleTimeout(idleTimeout);
        }
        if (failure == null && !gone.get()) {
            try {
                out.close();
                callback.succeeded();
                return;
            } catch (IOException e) {
                failure = e;
            }
        }
        callback.failed(failure != null ? failure : new EofException("client went away"));
    }

    /**
     * Whether the client has closed its end: a non-blocking read of the connection's channel,
     * which Jetty does not read while the response is being written (a streamed GET has no
     * body and the docker CLI sends nothing more on it). Reading -1 means it is gone.
     */
    private static boolean clientClosed(EndPoint endPoint) {
        if (!endPoint.isOpen()) return true;
        if (!(endPoint.getTransport() instanceof SocketChannel ch) || ch.isBlocking()) return false;
        try {
            return ch.read(ByteBuffer.allocate(1)) < 0;
        } catch (IOException e) {
            return true;
        }
    }

    private Router.Reply dispatch(Request request) throws Exception {
        String path = request.getHttpURI().getDecodedPath();
        Matcher m = VERSIONED.matcher(path);
        if (m.matches()) {
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            if (major > 1 || major == 1 && minor > Integer.parseInt(API_VERSION.substring(2))) {
                throw ApiException.invalid("client version %d.%d is too new. Maximum supported API version is %s",
                        major, minor, API_VERSION);
            }
            path = m.group(3);
        }
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        boolean[] pathKnown = {false};
        Router.Match match = router.match(request.getMethod(), path, pathKnown);
        if (match == null) {
            if (pathKnown[0]) return error(405, "method " + request.getMethod() + " not allowed on " + path);
            return error(404, "page not found");
        }
        byte[] body = match.streamsBody() ? new byte[0] : readBody(request);
        InputStream stream = match.streamsBody() ? Request.asInputStream(request) : InputStream.nullInputStream();
        Object result = match.handler().handle(new ApiRequest(request.getMethod(), path, match.params(),
                query(request), headers(request), body, stream));
        return result instanceof Router.Reply r ? r : Router.Reply.json(200, result);
    }

    private static byte[] readBody(Request request) throws Exception {
        long declared = request.getLength();
        if (declared > MAX_BODY) throw new ApiException(413, "request body too large: " + declared + " bytes, at most " + MAX_BODY);
        try {
            return Content.Source.asByteArrayAsync(request, MAX_BODY).get();
        } catch (ExecutionException e) {
            throw new ApiException(413, "request body too large or unreadable: " + e.getCause().getMessage());
        }
    }

    private static Map<String, List<String>> query(Request request) {
        Map<String, List<String>> out = new HashMap<>();
        Fields fields = Request.extractQueryParameters(request);
        for (Fields.Field f : fields) out.put(f.getName(), f.getValues());
        return out;
    }

    private static Map<String, String> headers(Request request) {
        Map<String, String> out = new HashMap<>();
        for (var f : request.getHeaders()) out.put(f.getLowerCaseName(), f.getValue());
        return out;
    }

    static Router.Reply error(int status, String message) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("message", message);
        return Router.Reply.json(status, body);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
