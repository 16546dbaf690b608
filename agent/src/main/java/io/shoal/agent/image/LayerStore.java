package io.shoal.agent.image;

import io.shoal.common.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacked layers, {@code layers/HEX/diff} (HEX of the layer's diff id) with its sizes in {@code
 * layers/HEX/layer.json}: each unpacked once, by one thread while others wanting it wait, and
 * shared read-only as an overlayfs lower dir by every image and container that has it. A layer is
 * unpacked in the work directory and moved into place only after the digests of its blob and of
 * its tar checked out, so a corrupt download leaves nothing behind.
 *
 * <p>The collection lock keeps deletion apart from additions: loads and pulls hold {@link
 * #adding()} until their image is recorded, deletion holds {@link #deleting()}, so a layer just
 * unpacked for an image not yet recorded is never taken for unused.
 */
final class LayerStore {
    private static final Logger log = LoggerFactory.getLogger(LayerStore.class);

    /** What {@code layer.json} holds: the diff id, the length of the layer's tar and the size of its files. */
    record Info(String diffId, long tarSize, long size) {}

    /** Opens a layer's blob (gzip or plain tar), once. */
    @FunctionalInterface
    interface Opener {
        InputStream open() throws IOException;
    }

    private final Path dir;
    private final Path work;
    private final LayerUnpacker unpacker = new LayerUnpacker();
    private final ConcurrentHashMap<String, Object> unpacking = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock collection = new ReentrantReadWriteLock();

    /** @param work where layers are unpacked before they move into place; on the same file system as {@code dir} */
    LayerStore(Path dir, Path work) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.work = work;
    }

    Lock adding() {
        return collection.readLock();
    }

    Lock deleting() {
        return collection.writeLock();
    }

    /** Unpacks the layer with this diff id unless it is there already, verifying both digests. */
    void ensure(String diffId, Opener opener, String blobDigest) throws IOException {
        Path layer = dir.resolve(Digests.hex(diffId));
        if (Files.isRegularFile(layer.resolve("layer.json"))) return;
        synchronized (unpacking.computeIfAbsent(diffId, k -> new Object())) {
            if (Files.isRegularFile(layer.resolve("layer.json"))) return;
            Path tmp = Files.createTempDirectory(work, "layer-");
            try {
                Path diff = Files.createDirectory(tmp.resolve("diff"));
                LayerUnpacker.Result r;
                try (InputStream raw = opener.open()) {
                    Digests.Counting blob = new Digests.Counting(raw);
                    r = unpacker.unpack(blob, diff);
                    blob.drain();
                    if (blobDigest != null && !blob.digest().equals(blobDigest)) {
                        throw new IOException("filesystem layer verification failed for digest " + blobDigest);
                    }
                }
                if (!r.diffId().equals(diffId)) {
                    throw new IOException("layer " + (blobDigest != null ? blobDigest : diffId) + " unpacks to content with digest "
                            + r.diffId() + " but the image config says " + diffId);
                }
                ImageJson.MAPPER.writeValue(tmp.resolve("layer.json").toFile(), new Info(diffId, r.tarSize(), r.contentSize()));
                FileTrees.delete(layer); // a leftover without layer.json
                if (!LayerUnpacker.moveIntoPlace(tmp, layer)) throw new IOException("layer directory " + layer + " appeared");
                log.debug("unpacked layer {} ({} bytes)", diffId, r.contentSize());
            } finally {
                FileTrees.delete(tmp);
            }
        }
    }

    Info info(String diffId) throws IOException {
        return ImageJson.MAPPER.readValue(dir.resolve(Digests.hex(diffId)).resolve("layer.json").toFile(), Info.class);
    }

    /** The layer's files: what overlayfs gets as a lower dir. */
    Path diff(String diffId) {
        return dir.resolve(Digests.hex(diffId)).resolve("diff");
    }

    void delete(String diffId) throws IOException {
        FileTrees.delete(dir.resolve(Digests.hex(diffId)));
    }
}
