package io.shoal.agent.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Images made at test time: a busybox rootfs from the host's static busybox, any small layer, and
 * writers for the two archive formats {@code docker load} takes ({@code docker save} and OCI
 * image layout), plus the manifest a registry push needs.
 */
final class TestImages {
    static final Path BUSYBOX = Path.of("/usr/bin/busybox");
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> APPLETS = List.of("sh", "sleep", "httpd", "echo", "ps", "ls", "cat", "true", "false",
            "nc", "wget", "nslookup", "hostname", "id", "env", "mkdir", "rm", "touch", "test");

    /** A layer tar built entry by entry. */
    static final class Layer {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

        Layer() {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        Layer dir(String name, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
            e.setMode(040000 | mode);
            return put(e, null);
        }

        Layer file(String name, byte[] content, int mode) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setMode(0100000 | mode);
            e.setSize(content.length);
            return put(e, content);
        }

        Layer file(String name, String content) {
            return file(name, content.getBytes(StandardCharsets.UTF_8), 0644);
        }

        Layer owned(String name, String content, int uid, int gid) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            byte[] b = content.getBytes(StandardCharsets.UTF_8);
            e.setMode(0100000 | 0640);
            e.setSize(b.length);
            e.setUserId(uid);
            e.setGroupId(gid);
            return put(e, b);
        }

        Layer symlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
            e.setLinkName(target);
            e.setMode(0120777);
            return put(e, null);
        }

        Layer hardlink(String name, String target) {
            TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK);
            e.setLinkName(target);
            return put(e, null);
        }

        /** Hides {@code dir/name} of the layers below. */
        Layer whiteout(String dir, String name) {
            return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, new byte[0], 0644);
        }

        /** Hides everything the layers below have in {@code dir}. */
        Layer opaque(String dir) {
            return file(dir + "/.wh..wh..opq", new byte[0], 0644);
        }

        private Layer put(TarArchiveEntry e, byte[] content) {
            try {
                e.setModTime(1_700_000_000_000L);
                tar.putArchiveEntry(e);
                if (content != null) tar.write(content);
                tar.closeArchiveEntry();
                return this;
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }

        byte[] build() {
            try {
                tar.finish();
                tar.close();
                return bytes.toByteArray();
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            }
        }
    }

    /** An image: its config and its layers (uncompressed tars), lowest first. */
    record TestImage(byte[] config, List<byte[]> layers) {
        String id() {
            return Digests.of(config);
        }

        List<String> diffIds() {
            return layers.stream().map(Digests::of).toList();
        }
    }

    static boolean haveBusybox() {
        return Files.isExecutable(BUSYBOX);
    }

    /** /bin/busybox with its applets as symlinks, /etc/passwd, /tmp. */
    static byte[] busyboxLayer() throws IOException {
        Layer l = new Layer().dir("bin", 0755).file("bin/busybox", Files.readAllBytes(BUSYBOX), 0755);
        for (String applet : APPLETS) l.symlink("bin/" + applet, "busybox");
        return l.dir("etc", 0755).file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
                .file("etc/group", "root:x:0:\nnogroup:x:65534:\n").dir("tmp", 01777).dir("root", 0700).build();
    }

    static TestImage busybox() throws IOException {
        byte[] layer = busyboxLayer();
        return new TestImage(config(List.of(layer), List.of("sh"), "amd64", Map.of()), List.of(layer));
    }

    static TestImage image(List<byte[]> layers, List<String> cmd) {
        return new TestImage(config(layers, cmd, "amd64", Map.of()), layers);
    }

    static byte[] config(List<byte[]> layers, List<String> cmd, String arch, Map<String, String> labels) {
        ObjectNode c = JSON.createObjectNode();
        c.put("architecture", arch).put("os", "linux").put("created", "2024-05-01T12:00:00.123456789Z");
        ObjectNode cc = c.putObject("config");
        cc.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        ArrayNode cmdNode = cc.putArray("Cmd");
        cmd.forEach(cmdNode::add);
        cc.put("WorkingDir", "/").put("StopSignal", "SIGTERM");
        ObjectNode hc = cc.putObject("Healthcheck");
        hc.putArray("Test").add("CMD-SHELL").add("true");
        hc.put("Interval", 5_000_000_000L).put("Timeout", 1_000_000_000L).put("Retries", 3);
        if (!labels.isEmpty()) {
            ObjectNode l = cc.putObject("Labels");
            labels.forEach(l::put);
        }
        ObjectNode rootfs = c.putObject("rootfs").put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        for (byte[] layer : layers) ids.add(Digests.of(layer));
        return json(c);
    }

    /** {@code docker save}: manifest.json, the config as HEX.json and each layer as ID/layer.tar. */
    static byte[] dockerSave(TestImage image, List<String> repoTags) throws IOException {
        Archive a = new Archive();
        String configName = Digests.hex(image.id()) + ".json";
        a.file(configName, image.config());
        ArrayNode layers = JSON.createArrayNode();
        for (byte[] layer : image.layers()) {
            String dir = Digests.hex(Digests.of(layer));
            a.file(dir + "/VERSION", "1.0".getBytes(StandardCharsets.UTF_8));
            a.file(dir + "/layer.tar", layer);
            layers.add(dir + "/layer.tar");
        }
        ArrayNode manifest = JSON.createArrayNode();
        ObjectNode entry = manifest.addObject().put("Config", configName);
        ArrayNode tags = entry.putArray("RepoTags");
        repoTags.forEach(tags::add);
        entry.set("Layers", layers);
        a.file("manifest.json", json(manifest));
        return a.build();
    }

    /** An OCI image layout with gzip layers; {@code name} goes into both annotations Docker and containerd read. */
    static byte[] ociLayout(TestImage image, String name) throws IOException {
        Archive a = new Archive();
        a.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        List<byte[]> blobs = new ArrayList<>();
        for (byte[] layer : image.layers()) blobs.add(gzip(layer));
        byte[] manifest = manifest(RegistryClient.OCI_MANIFEST, image.config(), blobs, "application/vnd.oci.image.layer.v1.tar+gzip");
        a.file("blobs/sha256/" + Digests.hex(image.id()), image.config());
        for (byte[] b : blobs) a.file("blobs/sha256/" + Digests.hex(Digests.of(b)), b);
        a.file("blobs/sha256/" + Digests.hex(Digests.of(manifest)), manifest);
        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", RegistryClient.OCI_INDEX);
        ObjectNode d = index.putArray("manifests").addObject().put("mediaType", RegistryClient.OCI_MANIFEST)
                .put("digest", Digests.of(manifest)).put("size", manifest.length);
        if (name != null) {
            d.putObject("annotations").put("io.containerd.image.name", name)
                    .put("org.opencontainers.image.ref.name", name.substring(name.lastIndexOf(':') + 1));
        }
        a.file("index.json", json(index));
        return a.build();
    }

    static byte[] manifest(String mediaType, byte[] config, List<byte[]> layerBlobs, String layerType) {
        ObjectNode m = JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", mediaType);
        String configType = mediaType.equals(RegistryClient.OCI_MANIFEST) ? "application/vnd.oci.image.config.v1+json"
                : "application/vnd.docker.container.image.v1+json";
        m.putObject("config").put("mediaType", configType).put("digest", Digests.of(config)).put("size", config.length);
        ArrayNode ls = m.putArray("layers");
        for (byte[] b : layerBlobs) ls.addObject().put("mediaType", layerType).put("digest", Digests.of(b)).put("size", b.length);
        return json(m);
    }

    static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    static byte[] json(Object node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A flat tar of named files. */
    static final class Archive {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes);

        Archive() {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        }

        Archive file(String name, byte[] content) throws IOException {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(content.length);
            e.setMode(0100644);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
            return this;
        }

        byte[] build() throws IOException {
            tar.finish();
            tar.close();
            return bytes.toByteArray();
        }
    }

    private TestImages() {}
}
