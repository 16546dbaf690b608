package io.shoal.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.ApiException;
import io.shoal.common.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code docker load}: the images of a {@code docker save} tarball or of an OCI image-layout
 * tarball, with the names they carry. The archive is unpacked into a work directory first
 * ({@link ImageArchive}); each image's layers are unpacked from there and the image recorded.
 */
final class ImageImporter {
    private static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    private static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";

    private final LayerStore layers;
    private final Path work;
    private final NewImage.Recorder recorder;

    ImageImporter(LayerStore layers, Path work, NewImage.Recorder recorder) {
        this.layers = layers;
        this.work = work;
        this.recorder = recorder;
    }

    /**
     * Loads every image of the archive; the caller holds the layers' {@link LayerStore#adding()} lock.
     *
     * @return Docker's lines for it: "Loaded image: busybox:latest", or "Loaded image ID: sha256:..." for an untagged image
     * @throws ApiException 400 when the archive is neither, or is damaged
     */
    List<String> load(InputStream tarball) throws IOException {
        Path dir = Files.createTempDirectory(work, "load-");
        try {
            ImageArchive archive = ImageArchive.unpack(tarball, dir);
            if (archive.has("manifest.json")) return loadDockerArchive(archive);
            if (archive.has("index.json")) return loadOciLayout(archive);
            throw ApiException.invalid("invalid image archive: it has neither manifest.json (docker save) nor index.json (OCI layout)");
        } catch (IOException e) {
            // A layer that does not unpack or does not match its digest: the archive's fault.
            throw ApiException.invalid("invalid image archive: %s", e.getMessage());
        } finally {
            FileTrees.delete(dir);
        }
    }

    private List<String> loadDockerArchive(ImageArchive archive) throws IOException {
        JsonNode manifest = ImageJson.MAPPER.readTree(archive.file("manifest.json").toFile());
        if (!manifest.isArray()) throw ApiException.invalid("invalid manifest.json: not an array");
        List<String> out = new ArrayList<>();
        for (JsonNode entry : manifest) {
            byte[] config = Files.readAllBytes(archive.file(entry.path("Config").asText()));
            String id = Digests.of(config);
            List<String> diffIds = ImageJson.diffIds(config);
            JsonNode layerPaths = entry.path("Layers");
            if (layerPaths.size() != diffIds.size()) {
                throw ApiException.invalid("invalid image %s: %d layers in manifest.json, %d in its config", id, layerPaths.size(), diffIds.size());
            }
            for (int i = 0; i < diffIds.size(); i++) {
                Path layer = archive.file(layerPaths.get(i).asText());
                layers.ensure(diffIds.get(i), () -> Files.newInputStream(layer), null);
            }
            byte[] synthesized = dockerManifest(id, config.length, diffIds);
            List<Reference> names = new ArrayList<>();
            for (JsonNode tag : entry.path("RepoTags")) names.add(parseName(tag.asText()));
            recorder.record(new NewImage(config, diffIds, RegistryClient.DOCKER_MANIFEST, synthesized,
                    Map.of(Digests.of(synthesized), synthesized), names, List.of(), true));
            out.addAll(loadedLines(id, names));
        }
        return out;
    }

    private List<String> loadOciLayout(ImageArchive archive) throws IOException {
        JsonNode index = ImageJson.MAPPER.readTree(archive.file("index.json").toFile());
        List<String> out = new ArrayList<>();
        for (JsonNode desc : index.path("manifests")) {
            JsonNode ann = desc.path("annotations");
            String name = ann.path("io.containerd.image.name").asText(null);
            String refName = ann.path("org.opencontainers.image.ref.name").asText(null);
            if (name == null && refName != null && (refName.contains(":") || refName.contains("/"))) name = refName;
            List<Reference> names = name == null ? List.of() : List.of(parseName(name));
            String topDigest = desc.path("digest").asText();
            byte[] top = archive.verifiedBlob(topDigest);
            String topType = mediaType(desc, top);
            Map<String, byte[]> manifests = new LinkedHashMap<>();
            manifests.put(topDigest, top);
            byte[] manifest = top;
            if (ImageJson.isIndex(topType)) {
                String chosen = ImageJson.linuxAmd64(ImageJson.MAPPER.readTree(top), topDigest);
                manifest = archive.verifiedBlob(chosen);
                manifests.put(chosen, manifest);
            }
            JsonNode m = ImageJson.MAPPER.readTree(manifest);
            String configDigest = m.path("config").path("digest").asText();
            byte[] config = archive.verifiedBlob(configDigest);
            List<String> diffIds = ImageJson.diffIds(config);
            JsonNode layerDescs = m.path("layers");
            if (layerDescs.size() != diffIds.size()) {
                throw ApiException.invalid("invalid image %s: %d layers in its manifest, %d in its config", configDigest, layerDescs.size(), diffIds.size());
            }
            for (int i = 0; i < diffIds.size(); i++) {
                String blobDigest = layerDescs.get(i).path("digest").asText();
                Path blob = archive.blob(blobDigest);
                layers.ensure(diffIds.get(i), () -> Files.newInputStream(blob), blobDigest);
            }
            List<String> repoDigests = names.stream().map(n -> n.repository() + "@" + topDigest).toList();
            recorder.record(new NewImage(config, diffIds, topType, top, manifests, names, repoDigests, false));
            out.addAll(loadedLines(Digests.of(config), names));
        }
        if (out.isEmpty()) throw ApiException.invalid("invalid OCI layout: index.json lists no manifests");
        return out;
    }

    private static List<String> loadedLines(String id, List<Reference> names) {
        if (names.isEmpty()) return List.of("Loaded image ID: " + id);
        return names.stream().map(n -> "Loaded image: " + n.familiar()).toList();
    }

    private static Reference parseName(String name) {
        try {
            Reference r = Reference.parse(name);
            if (r.tag() == null) throw ApiException.invalid("invalid image name %s in archive: a tag is needed", name);
            return r.withoutDigest();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("invalid image name %s in archive: %s", name, e.getMessage());
        }
    }

    private static String mediaType(JsonNode descriptor, byte[] body) throws IOException {
        String t = descriptor.path("mediaType").asText("");
        if (!t.isEmpty()) return t;
        JsonNode n = ImageJson.MAPPER.readTree(body);
        if (n.hasNonNull("mediaType")) return n.get("mediaType").asText();
        return n.has("manifests") ? RegistryClient.OCI_INDEX : RegistryClient.OCI_MANIFEST;
    }

    /** The Docker schema 2 manifest of an image that came without one (docker save), so it has a digest to pin. */
    private byte[] dockerManifest(String configDigest, long configSize, List<String> diffIds) throws IOException {
        ObjectNode m = ImageJson.MAPPER.createObjectNode();
        m.put("schemaVersion", 2).put("mediaType", RegistryClient.DOCKER_MANIFEST);
        m.putObject("config").put("mediaType", DOCKER_CONFIG).put("size", configSize).put("digest", configDigest);
        ArrayNode ls = m.putArray("layers");
        for (String d : diffIds) ls.addObject().put("mediaType", DOCKER_LAYER_TAR).put("size", layers.info(d).tarSize()).put("digest", d);
        return ImageJson.MAPPER.writeValueAsBytes(m);
    }
}
