package io.shoal.agent.image;

import io.shoal.common.FileTrees;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls through {@link ImageStore} from Debian's {@code docker-registry} (distribution 2.8) started on 127.0.0.1. */
class RegistryPullTest {
    static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    static Path registryDir;
    static Process registry;
    static String host;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static TestImages.TestImage busybox;

    @TempDir
    Path dir;
    ImageStore store;

    @BeforeAll
    static void startRegistry() throws Exception {
        if (!Posix.isRoot() || !Files.isExecutable(REGISTRY) || !TestImages.haveBusybox()) return;
        registryDir = Files.createTempDirectory("shoal-registry-test-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        host = "127.0.0.1:" + port;
        Path config = registryDir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: %s
                """.formatted(registryDir.resolve("data"), host));
        registry = new ProcessBuilder(REGISTRY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(registryDir.resolve("registry.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) break;
            } catch (IOException e) {
                // not up yet
            }
            if (!registry.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("docker-registry did not start: " + Files.readString(registryDir.resolve("registry.log")));
            }
            Thread.sleep(50);
        }
        busybox = TestImages.busybox();
        pushDocker("test/busybox", "1", busybox, true);
    }

    @AfterAll
    static void stopRegistry() throws Exception {
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) registry.destroyForcibly().waitFor();
        }
        if (registryDir != null) FileTrees.delete(registryDir);
    }

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Posix.isRoot(), () -> ImageStoreTest.skip("registry tests need root (layer unpacking)"));
        Assumptions.assumeTrue(Files.isExecutable(REGISTRY), () -> ImageStoreTest.skip("/usr/bin/docker-registry is missing (apt-get install docker-registry)"));
        Assumptions.assumeTrue(TestImages.haveBusybox(), () -> ImageStoreTest.skip("/usr/bin/busybox is missing (apt-get install busybox-static)"));
        store = new ImageStore(dir.resolve("images"));
    }

    @Test
    void pullsATaggedImageOnceForManyCallers() throws Exception {
        String name = host + "/test/busybox:1";
        List<Image> got = new ArrayList<>();
        try (var pool = Executors.newFixedThreadPool(4)) {
            List<Future<Image>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) fs.add(pool.submit((Callable<Image>) () -> store.get(name, null)));
            for (var f : fs) got.add(f.get());
        }
        Image image = got.getFirst();
        for (Image i : got) assertEquals(image.id(), i.id());
        assertEquals(busybox.id(), image.id());
        assertEquals(List.of(name), image.repoTags());
        assertEquals(1, image.repoDigests().size());
        assertTrue(image.repoDigests().getFirst().startsWith(host + "/test/busybox@sha256:"));
        assertTrue(Files.isExecutable(image.layers().getFirst().resolve("bin/busybox")));
        assertEquals(List.of("sh"), image.config().cmd());
        try (var s = Files.list(dir.resolve("images/layers"))) {
            assertEquals(1, s.count());
        }
        // Now local: by name, by id, and by the digest the registry gave.
        assertEquals(image.id(), store.get(image.repoDigests().getFirst(), null).id());
        assertEquals(image.id(), store.find(image.id()).orElseThrow().id());
        DistributionInfo d = store.distribution(name).orElseThrow();
        assertEquals(RegistryClient.DOCKER_MANIFEST, d.descriptor().mediaType());
        assertEquals(image.repoDigests().getFirst().substring(image.repoDigests().getFirst().indexOf('@') + 1), d.descriptor().digest());
    }

    @Test
    void pullsByDigest() throws Exception {
        byte[] manifest = TestImages.manifest(RegistryClient.DOCKER_MANIFEST, busybox.config(),
                List.of(TestImages.gzip(busybox.layers().getFirst())), "application/vnd.docker.image.rootfs.diff.tar.gzip");
        String digest = Digests.of(manifest);
        Image image = store.get(host + "/test/busybox@" + digest, null);
        assertEquals(busybox.id(), image.id());
        assertEquals(List.of(), image.repoTags());
        assertEquals(List.of(host + "/test/busybox@" + digest), image.repoDigests());
    }

    @Test
    void aManifestListGivesTheLinuxAmd64Image() throws Exception {
        byte[] layer = new TestImages.Layer().file("arch", "amd64").build();
        TestImages.TestImage amd64 = TestImages.image(List.of(layer), List.of("sh"));
        TestImages.TestImage arm64 = new TestImages.TestImage(TestImages.config(List.of(layer), List.of("sh"), "arm64", Map.of()), List.of(layer));
        byte[] amdManifest = pushDocker("test/multi", "amd64", amd64, false);
        byte[] armManifest = pushDocker("test/multi", "arm64", arm64, false);
        ObjectNode list = TestImages.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", RegistryClient.DOCKER_LIST);
        var ms = list.putArray("manifests");
        ms.addObject().put("mediaType", RegistryClient.DOCKER_MANIFEST).put("digest", Digests.of(armManifest)).put("size", armManifest.length)
                .putObject("platform").put("architecture", "arm64").put("os", "linux");
        ms.addObject().put("mediaType", RegistryClient.DOCKER_MANIFEST).put("digest", Digests.of(amdManifest)).put("size", amdManifest.length)
                .putObject("platform").put("architecture", "amd64").put("os", "linux");
        byte[] listBytes = TestImages.json(list);
        putManifest("test/multi", "1", RegistryClient.DOCKER_LIST, listBytes);

        Image image = store.get(host + "/test/multi:1", null);
        assertEquals(amd64.id(), image.id());
        assertEquals(List.of(host + "/test/multi@" + Digests.of(listBytes)), image.repoDigests(), "the repo digest is the list's, as Docker records it");
        assertEquals(Digests.of(listBytes), store.distribution(host + "/test/multi:1").orElseThrow().descriptor().digest());
    }

    @Test
    void aMissingTagIsNoSuchImage() {
        var e = assertThrows(ImageSource.ImageUnavailableException.class, () -> store.get(host + "/test/busybox:2", null));
        assertEquals("No such image: " + host + "/test/busybox:2", e.getMessage());
        assertTrue(e.getCause().getMessage().contains("manifest unknown"), e.getCause().getMessage());
        var e2 = assertThrows(ImageSource.ImageUnavailableException.class, () -> store.get(host + "/test/nothing-here", null));
        assertEquals("No such image: " + host + "/test/nothing-here:latest", e2.getMessage());
    }

    @Test
    void aCorruptedBlobIsRefused() throws Exception {
        byte[] layer = new TestImages.Layer().file("data", "the bytes a registry must not change").build();
        TestImages.TestImage image = TestImages.image(List.of(layer), List.of("sh"));
        pushDocker("test/corrupt", "1", image, false);
        Path data = registryDir.resolve("data/docker/registry/v2/blobs/sha256")
                .resolve(Digests.hex(Digests.of(layer)).substring(0, 2)).resolve(Digests.hex(Digests.of(layer))).resolve("data");
        byte[] bytes = Files.readAllBytes(data);
        bytes[512] ^= 0x20; // first byte of the file's content: the tar stays readable
        Files.write(data, bytes);

        var e = assertThrows(ImageSource.ImageUnavailableException.class, () -> store.get(host + "/test/corrupt:1", null));
        assertTrue(e.getMessage().contains("filesystem layer verification failed for digest " + Digests.of(layer)), e.getMessage());
        assertTrue(store.list().isEmpty());
        try (var s = Files.list(dir.resolve("images/layers")); var t = Files.list(dir.resolve("images/tmp"))) {
            assertEquals(0, s.count());
            assertEquals(0, t.count());
        }
    }

    @Test
    void anUnreachableRegistrySaysSo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        var e = assertThrows(ImageSource.ImageUnavailableException.class, () -> store.get("127.0.0.1:" + port + "/x:1", null));
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
        assertFalse(e.getMessage().startsWith("No such image"), e.getMessage());
    }

    // ------------------------------------------------------------ pushing, as a client does

    /** Pushes the config and layers (gzip or plain) and a schema 2 manifest under {@code tag}; returns the manifest. */
    static byte[] pushDocker(String repo, String tag, TestImages.TestImage image, boolean gzip) throws Exception {
        List<byte[]> blobs = new ArrayList<>();
        for (byte[] l : image.layers()) blobs.add(gzip ? TestImages.gzip(l) : l);
        pushBlob(repo, image.config());
        for (byte[] b : blobs) pushBlob(repo, b);
        byte[] manifest = TestImages.manifest(RegistryClient.DOCKER_MANIFEST, image.config(), blobs,
                gzip ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.docker.image.rootfs.diff.tar");
        putManifest(repo, tag, RegistryClient.DOCKER_MANIFEST, manifest);
        return manifest;
    }

    static void pushBlob(String repo, byte[] blob) throws Exception {
        HttpResponse<String> start = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, start.statusCode(), start.body());
        String location = start.headers().firstValue("Location").orElseThrow();
        URI uri = URI.create("http://" + host).resolve(location);
        String put = uri + (uri.getQuery() == null ? "?" : "&") + "digest=" + Digests.of(blob);
        HttpResponse<String> done = HTTP.send(HttpRequest.newBuilder(URI.create(put))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, done.statusCode(), done.body());
    }

    static void putManifest(String repo, String reference, String mediaType, byte[] manifest) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repo + "/manifests/" + reference))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        assertEquals(201, r.statusCode(), r.body());
    }
}
