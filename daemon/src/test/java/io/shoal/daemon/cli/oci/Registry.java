package io.shoal.daemon.cli.oci;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's {@code docker-registry} (distribution 2.8) on 127.0.0.1 with its storage in a temp dir,
 * and a push through the plain HTTP API v2: monolithic blob uploads (POST, then PUT with the
 * digest), then the manifest PUT.
 */
final class Registry implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/docker-registry");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String host;
    private final Path dir;
    private final Process process;

    private Registry(String host, Path dir, Process process) {
        this.host = host;
        this.dir = dir;
        this.process = process;
    }

    static Registry start(Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String host = "127.0.0.1:" + port;
        Path config = dir.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: %s
                """.formatted(dir.resolve("registry-data"), host));
        Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        Registry r = new Registry(host, dir, p);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) return r;
            } catch (IOException e) {
                // not listening yet
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                r.close();
                throw new IllegalStateException("docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
            }
            Thread.sleep(50);
        }
    }

    /** Pushes the image as {@code repository:tag}; returns the manifest's digest. */
    String push(OciLayout image, String repository, String tag) throws Exception {
        java.util.List<byte[]> blobs = new java.util.ArrayList<>(image.layers());
        blobs.add(image.config());
        for (byte[] blob : blobs) {
            var start = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repository + "/blobs/uploads/"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            if (start.statusCode() != 202) throw new IllegalStateException("blob upload start: " + start.statusCode() + " " + start.body());
            String location = start.headers().firstValue("Location").orElseThrow();
            URI upload = URI.create("http://" + host + "/").resolve(location);
            String sep = upload.getQuery() == null ? "?" : "&";
            var put = HTTP.send(HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + OciLayout.digest(blob)))
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
            if (put.statusCode() != 201) throw new IllegalStateException("blob upload: " + put.statusCode() + " " + put.body());
        }
        var m = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repository + "/manifests/" + tag))
                .header("Content-Type", OciLayout.MANIFEST_TYPE)
                .PUT(HttpRequest.BodyPublishers.ofByteArray(image.manifest())).build(), HttpResponse.BodyHandlers.ofString());
        if (m.statusCode() != 201) throw new IllegalStateException("manifest put: " + m.statusCode() + " " + m.body());
        return m.headers().firstValue("Docker-Content-Digest").orElse(OciLayout.digest(image.manifest()));
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly();
    }
}
