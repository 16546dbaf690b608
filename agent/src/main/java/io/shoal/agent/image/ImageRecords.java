package io.shoal.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.common.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * The images this node has, by id, one {@code images/HEX.json} each, and their configs (read from
 * the blobs on first use). Not safe from many threads: {@link ImageStore} holds its lock around
 * every use.
 */
final class ImageRecords {
    private final Path dir;
    private final BlobStore blobs;
    private final Map<String, StoredImage> byId = new HashMap<>();
    private final Map<String, JsonNode> configs = new HashMap<>();

    ImageRecords(Path dir, BlobStore blobs) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.blobs = blobs;
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (!p.getFileName().toString().endsWith(".json")) {
                    Files.deleteIfExists(p); // a write cut short
                    continue;
                }
                StoredImage s = ImageJson.MAPPER.readValue(p.toFile(), StoredImage.class);
                byId.put(s.id(), s);
            }
        }
    }

    /** The image with this id; null when there is none. */
    StoredImage get(String id) {
        return byId.get(id);
    }

    Collection<StoredImage> all() {
        return byId.values();
    }

    /** Records the image, replacing what was recorded under its id. */
    void put(StoredImage s) throws IOException {
        byId.put(s.id(), s);
        FileTrees.writeAtomically(file(s.id()), ImageJson.MAPPER.writeValueAsBytes(s));
    }

    StoredImage remove(String id) throws IOException {
        StoredImage s = byId.remove(id);
        configs.remove(id);
        Files.deleteIfExists(file(id));
        return s;
    }

    /** The image's config: {@code config.Cmd}, {@code architecture}, {@code created} and the rest. */
    JsonNode config(String id) {
        return configs.computeIfAbsent(id, k -> {
            try {
                return ImageJson.MAPPER.readTree(blobs.get(k));
            } catch (IOException e) {
                throw new UncheckedIOException("image config " + k + " is unreadable", e);
            }
        });
    }

    private Path file(String id) {
        return dir.resolve(Digests.hex(id) + ".json");
    }
}
