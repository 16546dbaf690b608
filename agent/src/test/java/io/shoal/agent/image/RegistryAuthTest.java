package io.shoal.agent.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bearer-token dance against a small registry of our own that wants a token for every /v2
 * call and gives one only for the right user and password; it also counts manifest requests, so
 * concurrent pulls of one image can be seen to share one pull.
 */
class RegistryAuthTest {
    static final String TOKEN = "t0ken";

    @TempDir
    Path dir;
    HttpServer server;
    String host;
    final Map<String, byte[]> manifests = new HashMap<>();
    final Map<String, byte[]> blobs = new HashMap<>();
    final AtomicInteger manifestGets = new AtomicInteger();
    final AtomicInteger tokenGets = new AtomicInteger();
    volatile String lastScope;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Posix.isRoot(), () -> ImageStoreTest.skip("registry tests need root (layer unpacking)"));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        host = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", this::token);
        server.createContext("/v2/", this::v2);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        TestImages.TestImage image = TestImages.image(List.of(new TestImages.Layer().file("hello", "world").build()), List.of("sh"));
        byte[] layer = TestImages.gzip(image.layers().getFirst());
        blobs.put(image.id(), image.config());
        blobs.put(Digests.of(layer), layer);
        manifests.put("1", TestImages.manifest(RegistryClient.OCI_MANIFEST, image.config(), List.of(layer),
                "application/vnd.oci.image.layer.v1.tar+gzip"));
    }

    @AfterEach
    void tearDown() {
        if (server != null) server.stop(0);
    }

    private void token(HttpExchange x) throws IOException {
        tokenGets.incrementAndGet();
        String expected = "Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        String query = x.getRequestURI().getRawQuery();
        lastScope = query;
        if (!expected.equals(x.getRequestHeaders().getFirst("Authorization"))) {
            send(x, 401, "{\"details\":\"incorrect username or password\"}");
        } else {
            send(x, 200, "{\"token\":\"" + TOKEN + "\"}");
        }
    }

    private void v2(HttpExchange x) throws IOException {
        if (!("Bearer " + TOKEN).equals(x.getRequestHeaders().getFirst("Authorization"))) {
            x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host
                    + "/token\",service=\"test-registry\",scope=\"repository:team/app:pull\"");
            send(x, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
            return;
        }
        String path = x.getRequestURI().getPath();
        String prefix = "/v2/team/app/";
        if (path.startsWith(prefix + "manifests/")) {
            manifestGets.incrementAndGet();
            sleep(); // long enough for the other callers to arrive while this pull is on
            byte[] m = manifests.get(path.substring((prefix + "manifests/").length()));
            if (m == null) {
                send(x, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"manifest unknown\"}]}");
                return;
            }
            x.getResponseHeaders().add("Content-Type", RegistryClient.OCI_MANIFEST);
            send(x, 200, m);
        } else if (path.startsWith(prefix + "blobs/")) {
            byte[] b = blobs.get(path.substring((prefix + "blobs/").length()));
            if (b == null) send(x, 404, "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}");
            else send(x, 200, b);
        } else {
            send(x, 404, "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"repository name not known to registry\"}]}");
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        send(x, status, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange x, int status, byte[] body) throws IOException {
        x.sendResponseHeaders(status, body.length);
        x.getResponseBody().write(body);
        x.close();
    }

    static String auth(String user, String password) {
        String json = "{\"username\":\"" + user + "\",\"password\":\"" + password + "\",\"serveraddress\":\"x\"}";
        return Base64.getUrlEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void getsATokenWithTheUsersCredentialsAndPullsOnceForAll() throws Exception {
        ImageStore store = new ImageStore(dir.resolve("images"));
        String name = host + "/team/app:1";
        try (var pool = Executors.newFixedThreadPool(3)) {
            List<Future<Image>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) fs.add(pool.submit((Callable<Image>) () -> store.get(name, auth("alice", "s3cret"))));
            for (var f : fs) assertEquals(List.of(name), f.get().repoTags());
        }
        assertEquals(1, manifestGets.get(), "one pull for three callers");
        assertEquals(1, tokenGets.get(), "the token is kept for the blobs");
        assertTrue(lastScope.contains("service=test-registry") && lastScope.contains("scope=repository%3Ateam%2Fapp%3Apull"), lastScope);
    }

    @Test
    void wrongOrMissingCredentialsAreTheRegistrysError() throws Exception {
        ImageStore store = new ImageStore(dir.resolve("images"));
        var e = assertThrows(ImageSource.ImageUnavailableException.class, () -> store.get(host + "/team/app:1", auth("alice", "nope")));
        assertTrue(e.getMessage().contains("unauthorized") && e.getMessage().contains("incorrect username or password"), e.getMessage());
        var anonymous = assertThrows(ImageSource.ImageUnavailableException.class, () -> store.get(host + "/team/app:1", null));
        assertTrue(anonymous.getMessage().contains("unauthorized"), anonymous.getMessage());
        assertTrue(store.list().isEmpty());
    }
}
