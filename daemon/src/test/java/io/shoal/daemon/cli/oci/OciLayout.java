package io.shoal.daemon.cli.oci;

import io.shoal.common.FileTrees;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * An image in OCI terms, made from a {@code docker save} tarball: its config, its layers gzipped
 * as registries and OCI layouts carry them, and the OCI manifest over them. It can be written as an
 * OCI image-layout tarball or pushed to a registry ({@link Registry#push}).
 */
record OciLayout(byte[] config, List<byte[]> layers, byte[] manifest) {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";

    /** Reads a docker-save tarball (with the host's tar) into an OCI image with gzipped layers. */
    static OciLayout of(Path dockerSave) throws Exception {
        Path work = Files.createTempDirectory(dockerSave.getParent(), "unpack-");
        try {
            var r = OciHost.run("tar", "-C", work.toString(), "-xf", dockerSave.toString());
            if (!r.ok()) throw new AssertionError("tar: " + r.out());
            JsonNode entry = JSON.readTree(work.resolve("manifest.json").toFile()).get(0);
            byte[] config = Files.readAllBytes(work.resolve(entry.path("Config").asText()));
            List<byte[]> layers = new ArrayList<>();
            for (JsonNode l : entry.path("Layers")) layers.add(gzip(Files.readAllBytes(work.resolve(l.asText()))));
            ObjectNode m = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", MANIFEST_TYPE);
            m.set("config", descriptor("application/vnd.oci.image.config.v1+json", config));
            ArrayNode ls = m.putArray("layers");
            for (byte[] l : layers) ls.add(descriptor("application/vnd.oci.image.layer.v1.tar+gzip", l));
            return new OciLayout(config, layers, JSON.writeValueAsBytes(m));
        } finally {
            FileTrees.delete(work);
        }
    }

    /** Writes {@code out} as an OCI image-layout tarball naming the image {@code name} (as containerd and Docker 25+ do). */
    static Path fromDockerSave(Path dockerSave, Path out, String name) throws Exception {
        OciLayout image = of(dockerSave);
        Path root = Files.createTempDirectory(dockerSave.getParent(), "layout-");
        try {
            Path blobs = Files.createDirectories(root.resolve("blobs/sha256"));
            for (byte[] b : image.blobs()) Files.write(blobs.resolve(hex(b)), b);
            Files.writeString(root.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.index.v1+json");
            ObjectNode desc = descriptor(MANIFEST_TYPE, image.manifest());
            desc.putObject("annotations").put("io.containerd.image.name", name)
                    .put("org.opencontainers.image.ref.name", name.substring(name.lastIndexOf(':') + 1));
            index.putArray("manifests").add(desc);
            Files.write(root.resolve("index.json"), JSON.writeValueAsBytes(index));
            var r = OciHost.run("tar", "-C", root.toString(), "-cf", out.toString(), "oci-layout", "index.json", "blobs");
            if (!r.ok()) throw new AssertionError("tar: " + r.out());
            return out;
        } finally {
            FileTrees.delete(root);
        }
    }

    List<byte[]> blobs() {
        List<byte[]> all = new ArrayList<>(layers);
        all.add(config);
        all.add(manifest);
        return all;
    }

    static ObjectNode descriptor(String mediaType, byte[] content) {
        return JSON.createObjectNode().put("mediaType", mediaType).put("digest", digest(content)).put("size", content.length);
    }

    static String digest(byte[] b) {
        return "sha256:" + hex(b);
    }

    static String hex(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] gzip(byte[] b) throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(bytes)) {
            gz.write(b);
        }
        return bytes.toByteArray();
    }
}
