package io.shoal.agent.image;

import io.shoal.common.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Content-addressed blobs, {@code blobs/sha256/HEX}: image configs and manifests, each stored
 * only once its bytes match its digest, so that a blob's name always tells its content.
 */
final class BlobStore {
    private final Path dir;

    BlobStore(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        // A write cut short leaves its temporary file, a hidden one beside the blob.
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith(".")) Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Stores {@code bytes} under {@code digest} unless it is there already; refuses bytes that do
     * not match. One writer at a time: a file is written through one temporary name.
     */
    synchronized void put(String digest, byte[] bytes) throws IOException {
        if (!Digests.of(bytes).equals(digest)) throw new IOException("blob does not match its digest " + digest);
        Path p = path(digest);
        if (Files.exists(p)) return;
        FileTrees.writeAtomically(p, bytes);
    }

    byte[] get(String digest) throws IOException {
        return Files.readAllBytes(path(digest));
    }

    void delete(String digest) throws IOException {
        Files.deleteIfExists(path(digest));
    }

    private Path path(String digest) {
        return dir.resolve(Digests.hex(digest));
    }
}
