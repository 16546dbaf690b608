package io.shoal.agent.image;

import io.shoal.common.FileTrees;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.agent.image.RegistryClient.RegistryException;
import io.shoal.api.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's images, content-addressed under one state directory:
 * <pre>
 *   blobs/sha256/HEX        image configs and manifests, written only after their digest checked out
 *   layers/HEX/diff/        a layer unpacked once (HEX of its diff id), shared read-only by every image and container
 *   layers/HEX/layer.json   its diff id, tar size and content size
 *   images/HEX.json         an image (HEX of its id, the config digest): layers, manifest descriptor, known manifest digests
 *   repositories.json       references: "docker.io/library/busybox:latest" and "docker.io/library/busybox@sha256:..." to ids
 *   tmp/                    work in progress, emptied at start
 * </pre>
 * Compressed layer blobs are not kept: a layer is verified (blob digest and diff id) as it is
 * unpacked and only its directory stays. Everything is safe to use from many threads: a layer is
 * unpacked by one thread while others wanting it wait, two {@link #get}s of the same missing image
 * share one pull, and deletion excludes loads and pulls in progress.
 */
public final class ImageStore implements ImageSource {
    private static final Logger log = LoggerFactory.getLogger(ImageStore.class);
    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Pattern HEX_PREFIX = Pattern.compile("(?:sha256:)?[0-9a-f]{1,64}");
    private static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    private static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
    private static final int MAX_CONFIG = 8 << 20;

    /** An image as the store records it. */
    record Stored(String id, List<String> diffIds, String manifestMediaType, String manifestDigest, long manifestSize,
                  List<String> manifestDigests, long size, long lastTagTime) {}

    record LayerInfo(String diffId, long tarSize, long size) {}

    @FunctionalInterface
    private interface Opener {
        InputStream open() throws IOException;
    }

    private final Path blobs;
    private final Path layers;
    private final Path images;
    private final Path tmp;
    private final Path refsFile;
    private final RegistryClient registry;
    private final LayerUnpacker unpacker = new LayerUnpacker();

    /** Guards {@link #byId}, {@link #refs} and the files that record them. */
    private final Object lock = new Object();
    private final Map<String, Stored> byId = new HashMap<>();
    private final Map<String, JsonNode> configs = new HashMap<>();
    private final TreeMap<String, String> refs = new TreeMap<>();

    /** Read: adding layers and images; write: deleting them (so a layer just unpacked for a load is not collected). */
    private final ReentrantReadWriteLock gc = new ReentrantReadWriteLock();
    private final ConcurrentHashMap<String, Object> layerLocks = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CompletableFuture<Image>> pulls = new ConcurrentHashMap<>();

    public ImageStore(Path stateDir) throws IOException {
        this(stateDir, RegistryClient.defaultHttpClient());
    }

    public ImageStore(Path stateDir, HttpClient http) throws IOException {
        this.blobs = stateDir.resolve("blobs").resolve("sha256");
        this.layers = stateDir.resolve("layers");
        this.images = stateDir.resolve("images");
        this.tmp = stateDir.resolve("tmp");
        this.refsFile = stateDir.resolve("repositories.json");
        this.registry = new RegistryClient(http);
        for (Path p : List.of(blobs, layers, images)) Files.createDirectories(p);
        FileTrees.delete(tmp);
        Files.createDirectories(tmp);
        readState();
    }

    // ---------------------------------------------------------------- ImageSource

    /** The local image the reference names; else it is pulled (once, however many ask at the same time). */
    @Override
    public Image get(String reference, String registryAuth) throws ImageUnavailableException {
        Optional<Image> local = find(reference);
        if (local.isPresent()) return local.get();
        Reference ref;
        try {
            ref = Reference.parse(reference);
        } catch (IllegalArgumentException e) {
            throw new ImageUnavailableException(e.getMessage());
        }
        if (reference.startsWith("sha256:")) throw new ImageUnavailableException("No such image: " + reference);
        CompletableFuture<Image> mine = new CompletableFuture<>();
        CompletableFuture<Image> running = pulls.putIfAbsent(ref.toString(), mine);
        if (running != null) {
            try {
                return running.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof ImageUnavailableException u) throw new ImageUnavailableException(u.getMessage(), u);
                throw new ImageUnavailableException(String.valueOf(e.getCause()), e.getCause());
            }
        }
        try {
            Optional<Image> loadedMeanwhile = find(reference);
            Image image = loadedMeanwhile.isPresent() ? loadedMeanwhile.get() : pull(ref, registryAuth);
            mine.complete(image);
            return image;
        } catch (ImageUnavailableException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            pulls.remove(ref.toString(), mine);
        }
    }

    /** The local image a name, reference, id or id prefix names, without pulling. */
    public Optional<Image> find(String name) {
        synchronized (lock) {
            String id = resolveId(name);
            return id == null ? Optional.empty() : Optional.of(toImage(byId.get(id)));
        }
    }

    // ---------------------------------------------------------------- load

    /**
     * Loads a {@code docker save} tarball or an OCI image-layout tarball with the names it carries.
     *
     * @return Docker's lines for it: "Loaded image: busybox:latest", or "Loaded image ID: sha256:..." for an untagged image
     * @throws ApiException 400 when the archive is neither, or is damaged
     */
    public List<String> load(InputStream tarball) throws IOException {
        gc.readLock().lock();
        Path work = Files.createTempDirectory(tmp, "load-");
        try {
            extract(tarball, work);
            if (Files.isRegularFile(work.resolve("manifest.json"))) return loadDockerArchive(work);
            if (Files.isRegularFile(work.resolve("index.json"))) return loadOciLayout(work);
            throw ApiException.invalid("invalid image archive: it has neither manifest.json (docker save) nor index.json (OCI layout)");
        } catch (IOException e) {
            // A layer that does not unpack or does not match its digest: the archive's fault.
            throw ApiException.invalid("invalid image archive: %s", e.getMessage());
        } finally {
            gc.readLock().unlock();
            FileTrees.delete(work);
        }
    }

    private List<String> loadDockerArchive(Path work) throws IOException {
        JsonNode manifest = JSON.readTree(archiveFile(work, "manifest.json").toFile());
        if (!manifest.isArray()) throw ApiException.invalid("invalid manifest.json: not an array");
        List<String> out = new ArrayList<>();
        for (JsonNode entry : manifest) {
            byte[] config = Files.readAllBytes(archiveFile(work, entry.path("Config").asText()));
            String id = Digests.of(config);
            List<String> diffIds = diffIds(config);
            JsonNode layerPaths = entry.path("Layers");
            if (layerPaths.size() != diffIds.size()) {
                throw ApiException.invalid("invalid image %s: %d layers in manifest.json, %d in its config", id, layerPaths.size(), diffIds.size());
            }
            for (int i = 0; i < diffIds.size(); i++) {
                Path layer = archiveFile(work, layerPaths.get(i).asText());
                ensureLayer(diffIds.get(i), () -> Files.newInputStream(layer), null);
            }
            byte[] synthesized = dockerManifest(id, config.length, diffIds);
            List<Reference> names = new ArrayList<>();
            for (JsonNode tag : entry.path("RepoTags")) names.add(parseName(tag.asText()));
            String manifestDigest = Digests.of(synthesized);
            register(config, diffIds, RegistryClient.DOCKER_MANIFEST, synthesized, List.of(manifestDigest),
                    Map.of(manifestDigest, synthesized), names, List.of(), true);
            out.addAll(loadedLines(id, names));
        }
        return out;
    }

    private List<String> loadOciLayout(Path work) throws IOException {
        JsonNode index = JSON.readTree(archiveFile(work, "index.json").toFile());
        List<String> out = new ArrayList<>();
        for (JsonNode desc : index.path("manifests")) {
            JsonNode ann = desc.path("annotations");
            String name = ann.path("io.containerd.image.name").asText(null);
            String refName = ann.path("org.opencontainers.image.ref.name").asText(null);
            if (name == null && refName != null && (refName.contains(":") || refName.contains("/"))) name = refName;
            List<Reference> names = name == null ? List.of() : List.of(parseName(name));
            String topDigest = desc.path("digest").asText();
            byte[] top = verifiedArchiveBlob(work, topDigest);
            String topType = mediaType(desc, top);
            Map<String, byte[]> manifests = new LinkedHashMap<>();
            manifests.put(topDigest, top);
            byte[] manifest = top;
            if (isIndex(topType)) {
                String chosen = pickPlatform(JSON.readTree(top), topDigest);
                manifest = verifiedArchiveBlob(work, chosen);
                manifests.put(chosen, manifest);
            }
            JsonNode m = JSON.readTree(manifest);
            String configDigest = m.path("config").path("digest").asText();
            byte[] config = verifiedArchiveBlob(work, configDigest);
            List<String> diffIds = diffIds(config);
            JsonNode layerDescs = m.path("layers");
            if (layerDescs.size() != diffIds.size()) {
                throw ApiException.invalid("invalid image %s: %d layers in its manifest, %d in its config", configDigest, layerDescs.size(), diffIds.size());
            }
            for (int i = 0; i < diffIds.size(); i++) {
                String blobDigest = layerDescs.get(i).path("digest").asText();
                Path blob = archiveFile(work, "blobs/sha256/" + hexOrInvalid(blobDigest));
                ensureLayer(diffIds.get(i), () -> Files.newInputStream(blob), blobDigest);
            }
            List<String> repoDigests = names.stream().map(n -> n.repository() + "@" + topDigest).toList();
            register(config, diffIds, topType, top, List.copyOf(manifests.keySet()), manifests, names, repoDigests, false);
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

    private byte[] verifiedArchiveBlob(Path work, String digest) throws IOException {
        byte[] bytes = Files.readAllBytes(archiveFile(work, "blobs/sha256/" + hexOrInvalid(digest)));
        if (!Digests.of(bytes).equals(digest)) throw ApiException.invalid("blob %s in the archive does not match its digest", digest);
        return bytes;
    }

    private static String hexOrInvalid(String digest) {
        if (!Digests.isValid(digest)) throw ApiException.invalid("invalid digest %s in archive: only sha256 is supported", digest);
        return Digests.hex(digest);
    }

    /** Unpacks an archive's files into {@code work}; symlinks are kept (old {@code docker save} links shared layers). */
    private static void extract(InputStream tarball, Path work) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(tarball, StandardCharsets.UTF_8.name());
        TarArchiveEntry e;
        int entries = 0;
        try {
            while ((e = tar.getNextEntry()) != null) {
                entries++;
                String name = LayerUnpacker.clean(e.getName());
                if (name.isEmpty()) continue;
                Path target = LayerUnpacker.resolve(work, name);
                Files.createDirectories(target.getParent());
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isSymbolicLink()) {
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                } else if (e.isLink()) {
                    Files.deleteIfExists(target);
                    Files.createLink(target, LayerUnpacker.resolve(work, LayerUnpacker.clean(e.getLinkName())));
                } else if (e.isFile()) {
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException | IllegalArgumentException ex) {
            throw ApiException.invalid("invalid image archive: %s", ex.getMessage());
        }
        if (entries == 0) throw ApiException.invalid("invalid image archive: it is empty or not a tar file");
    }

    /** A file of an unpacked archive, refusing links that lead out of it. */
    private static Path archiveFile(Path work, String name) throws IOException {
        if (name == null || name.isEmpty()) throw ApiException.invalid("invalid image archive: a file name is missing");
        Path p = work.resolve(name).normalize();
        if (!p.startsWith(work) || !Files.exists(p)) throw ApiException.invalid("invalid image archive: %s is missing", name);
        if (!p.toRealPath().startsWith(work.toRealPath())) throw ApiException.invalid("invalid image archive: %s leads outside it", name);
        return p;
    }

    // ---------------------------------------------------------------- pull

    private Image pull(Reference ref, String registryAuth) throws ImageUnavailableException {
        gc.readLock().lock();
        try {
            RegistryClient.Session s = registry.session(ref, registryAuth);
            RegistryClient.Manifest top;
            try {
                top = s.manifest(ref.digest() != null ? ref.digest() : ref.tag());
            } catch (RegistryException e) {
                if (e.kind == RegistryException.Kind.NOT_FOUND
                        || e.kind == RegistryException.Kind.UNREACHABLE && ref.domain().equals(Reference.DOCKER_HUB)) {
                    throw new ImageUnavailableException("No such image: " + ref.familiar(), e);
                }
                throw new ImageUnavailableException(e.getMessage(), e);
            }
            Map<String, byte[]> manifests = new LinkedHashMap<>();
            manifests.put(top.digest(), top.body());
            RegistryClient.Manifest m = top;
            if (isIndex(top.mediaType())) {
                m = s.manifest(pickPlatform(JSON.readTree(top.body()), ref.familiar()));
                manifests.put(m.digest(), m.body());
            }
            if (!m.mediaType().equals(RegistryClient.DOCKER_MANIFEST) && !m.mediaType().equals(RegistryClient.OCI_MANIFEST)) {
                throw new ImageUnavailableException("unsupported manifest media type " + m.mediaType() + " for " + ref.familiar());
            }
            JsonNode manifest = JSON.readTree(m.body());
            String configDigest = manifest.path("config").path("digest").asText();
            if (!Digests.isValid(configDigest)) throw new ImageUnavailableException("invalid config digest " + configDigest + " in the manifest of " + ref.familiar());
            byte[] config;
            try (InputStream in = s.blob(configDigest)) {
                config = in.readNBytes(MAX_CONFIG);
            }
            if (!Digests.of(config).equals(configDigest)) {
                throw new ImageUnavailableException("image config verification failed for digest " + configDigest);
            }
            List<String> diffIds = diffIds(config);
            JsonNode layerDescs = manifest.path("layers");
            if (layerDescs.size() != diffIds.size()) {
                throw new ImageUnavailableException("invalid image " + ref.familiar() + ": " + layerDescs.size()
                        + " layers in its manifest, " + diffIds.size() + " in its config");
            }
            pullLayers(s, diffIds, layerDescs);
            List<Reference> names = ref.tag() != null ? List.of(ref.withoutDigest()) : List.of();
            register(config, diffIds, top.mediaType(), top.body(), List.copyOf(manifests.keySet()), manifests, names,
                    List.of(ref.repository() + "@" + top.digest()), false);
            synchronized (lock) {
                return toImage(byId.get(Digests.of(config)));
            }
        } catch (ImageUnavailableException e) {
            throw e;
        } catch (RegistryException e) {
            throw new ImageUnavailableException(e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new ImageUnavailableException("pulling " + ref.familiar() + ": " + e.getMessage(), e);
        } finally {
            gc.readLock().unlock();
        }
    }

    /** Downloads and unpacks the missing layers, a few at a time. */
    private void pullLayers(RegistryClient.Session s, List<String> diffIds, JsonNode layerDescs) throws IOException {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < diffIds.size(); i++) {
                String diffId = diffIds.get(i);
                String blobDigest = layerDescs.get(i).path("digest").asText();
                if (!Digests.isValid(blobDigest)) throw new IOException("invalid layer digest " + blobDigest);
                work.add(pool.submit(() -> {
                    ensureLayer(diffId, () -> s.blob(blobDigest), blobDigest);
                    return null;
                }));
            }
            for (Future<?> f : work) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof IOException io) throw io;
                    throw new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while pulling layers");
                }
            }
        }
    }

    private static boolean isIndex(String mediaType) {
        return mediaType.equals(RegistryClient.DOCKER_LIST) || mediaType.equals(RegistryClient.OCI_INDEX);
    }

    private static String mediaType(JsonNode descriptor, byte[] body) throws IOException {
        String t = descriptor.path("mediaType").asText("");
        if (!t.isEmpty()) return t;
        JsonNode n = JSON.readTree(body);
        if (n.hasNonNull("mediaType")) return n.get("mediaType").asText();
        return n.has("manifests") ? RegistryClient.OCI_INDEX : RegistryClient.OCI_MANIFEST;
    }

    /** The linux/amd64 manifest of a manifest list or index. */
    private static String pickPlatform(JsonNode index, String what) {
        for (JsonNode d : index.path("manifests")) {
            JsonNode p = d.path("platform");
            if (p.path("os").asText("").equals("linux") && p.path("architecture").asText("").equals("amd64")) {
                return d.path("digest").asText();
            }
        }
        throw ApiException.invalid("no matching manifest for linux/amd64 in the manifest list entries of %s", what);
    }

    // ---------------------------------------------------------------- layers and registration

    /** Unpacks the layer with this diff id unless it is there already, verifying both digests. */
    private void ensureLayer(String diffId, Opener opener, String blobDigest) throws IOException {
        Path dir = layers.resolve(Digests.hex(diffId));
        if (Files.isRegularFile(dir.resolve("layer.json"))) return;
        synchronized (layerLocks.computeIfAbsent(diffId, k -> new Object())) {
            if (Files.isRegularFile(dir.resolve("layer.json"))) return;
            Path work = Files.createTempDirectory(tmp, "layer-");
            try {
                Path diff = Files.createDirectory(work.resolve("diff"));
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
                JSON.writeValue(work.resolve("layer.json").toFile(), new LayerInfo(diffId, r.tarSize(), r.contentSize()));
                FileTrees.delete(dir); // a leftover without layer.json
                if (!LayerUnpacker.moveIntoPlace(work, dir)) throw new IOException("layer directory " + dir + " appeared");
                log.debug("unpacked layer {} ({} bytes)", diffId, r.contentSize());
            } finally {
                FileTrees.delete(work);
            }
        }
    }

    private LayerInfo layerInfo(String diffId) throws IOException {
        return JSON.readValue(layers.resolve(Digests.hex(diffId)).resolve("layer.json").toFile(), LayerInfo.class);
    }

    private static List<String> diffIds(byte[] config) throws IOException {
        JsonNode c = JSON.readTree(config);
        JsonNode ids = c.path("rootfs").path("diff_ids");
        if (!ids.isArray()) throw ApiException.invalid("invalid image config: rootfs.diff_ids is missing");
        List<String> out = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!Digests.isValid(id.asText())) throw ApiException.invalid("invalid image config: diff id %s", id.asText());
            out.add(id.asText());
        }
        return out;
    }

    /** The Docker schema 2 manifest of an image that came without one (docker save), so it has a digest to pin. */
    private byte[] dockerManifest(String configDigest, long configSize, List<String> diffIds) throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2).put("mediaType", RegistryClient.DOCKER_MANIFEST);
        m.putObject("config").put("mediaType", DOCKER_CONFIG).put("size", configSize).put("digest", configDigest);
        ArrayNode ls = m.putArray("layers");
        for (String d : diffIds) ls.addObject().put("mediaType", DOCKER_LAYER_TAR).put("size", layerInfo(d).tarSize()).put("digest", d);
        return JSON.writeValueAsBytes(m);
    }

    /** Records an image whose layers are in place, with its names (a name moves from any image that had it). */
    private void register(byte[] config, List<String> diffIds, String manifestType, byte[] manifest, List<String> manifestDigests,
                          Map<String, byte[]> manifestBlobs, List<Reference> names, List<String> repoDigests,
                          boolean synthesized) throws IOException {
        String id = Digests.of(config);
        writeBlob(id, config);
        for (var e : manifestBlobs.entrySet()) writeBlob(e.getKey(), e.getValue());
        long size = 0;
        for (String d : diffIds) size += layerInfo(d).size();
        synchronized (lock) {
            Stored old = byId.get(id);
            Set<String> digests = new LinkedHashSet<>(manifestDigests);
            if (old != null) digests.addAll(old.manifestDigests());
            // A real manifest (pulled, OCI layout) wins over the one written for a docker save archive.
            Stored s = old != null && synthesized
                    ? new Stored(id, diffIds, old.manifestMediaType(), old.manifestDigest(), old.manifestSize(), List.copyOf(digests), size, now())
                    : new Stored(id, diffIds, manifestType, Digests.of(manifest), manifest.length, List.copyOf(digests), size, now());
            byId.put(id, s);
            for (Reference n : names) refs.put(n.tagKey(), id);
            for (String d : repoDigests) refs.put(d, id);
            JSON.writeValue(tempThen(images.resolve(Digests.hex(id) + ".json")).toFile(), s);
            commit(images.resolve(Digests.hex(id) + ".json"));
            writeRefs();
        }
    }

    private void writeBlob(String digest, byte[] bytes) throws IOException {
        if (!Digests.of(bytes).equals(digest)) throw new IOException("blob does not match its digest " + digest);
        Path p = blobs.resolve(Digests.hex(digest));
        if (Files.exists(p)) return;
        Path t = Files.createTempFile(tmp, "blob-", "");
        Files.write(t, bytes);
        Files.move(t, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path tempThen(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp");
    }

    private void commit(Path target) throws IOException {
        Files.move(tempThen(target), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void writeRefs() throws IOException {
        JSON.writeValue(tempThen(refsFile).toFile(), Map.of("refs", refs));
        commit(refsFile);
    }

    private void readState() throws IOException {
        synchronized (lock) {
            try (var files = Files.list(images)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    if (!p.getFileName().toString().endsWith(".json")) {
                        Files.deleteIfExists(p);
                        continue;
                    }
                    Stored s = JSON.readValue(p.toFile(), Stored.class);
                    byId.put(s.id(), s);
                }
            }
            if (Files.exists(refsFile)) {
                JsonNode r = JSON.readTree(refsFile.toFile()).path("refs");
                r.fields().forEachRemaining(e -> {
                    if (byId.containsKey(e.getValue().asText())) refs.put(e.getKey(), e.getValue().asText());
                });
            }
        }
    }

    private static long now() {
        return System.currentTimeMillis();
    }

    // ---------------------------------------------------------------- views

    /** Every image, newest first, as {@code docker images} lists them. */
    public List<ImageSummary> list() {
        synchronized (lock) {
            List<ImageSummary> out = new ArrayList<>();
            for (Stored s : byId.values()) {
                JsonNode c = config(s.id());
                Map<String, String> labels = new TreeMap<>();
                c.path("config").path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                out.add(new ImageSummary(s.id(), "", repoTags(s.id()), repoDigests(s.id()), createdSeconds(c), s.size(), -1,
                        s.size(), labels.isEmpty() ? null : labels, -1));
            }
            out.sort(Comparator.comparingLong(ImageSummary::created).reversed().thenComparing(ImageSummary::id));
            return out;
        }
    }

    /** {@code docker image inspect NAME}; 404 "No such image: NAME" when there is none. */
    public ImageInspect inspect(String name) {
        synchronized (lock) {
            Stored s = byId.get(resolveOrNotFound(name));
            JsonNode c = config(s.id());
            List<String> lower = new ArrayList<>();
            for (Path p : layerDirs(s).reversed()) lower.add(p.toString());
            return new ImageInspect(s.id(), repoTags(s.id()), repoDigests(s.id()), "", c.path("comment").asText(""),
                    c.path("created").asText(""), c.path("docker_version").asText(""), c.path("author").asText(""),
                    c.path("config").isObject() ? c.get("config") : JSON.createObjectNode(),
                    c.path("architecture").asText(""), c.path("os").asText(""), s.size(),
                    new ImageInspect.GraphDriver("overlay2", Map.of("LowerDir", String.join(":", lower))),
                    new ImageInspect.RootFS("layers", s.diffIds()),
                    new ImageInspect.Metadata(Instant.ofEpochMilli(s.lastTagTime()).toString()));
        }
    }

    /** The manifest descriptor and platform of a local image; empty when it is not on this node. */
    public Optional<DistributionInfo> distribution(String name) {
        synchronized (lock) {
            String id = resolveId(name);
            if (id == null) return Optional.empty();
            Stored s = byId.get(id);
            JsonNode c = config(id);
            return Optional.of(new DistributionInfo(
                    new DistributionInfo.Descriptor(s.manifestMediaType(), s.manifestDigest(), s.manifestSize()),
                    List.of(new DistributionInfo.Platform(c.path("architecture").asText("amd64"), c.path("os").asText("linux")))));
        }
    }

    // ---------------------------------------------------------------- tag and remove

    /** {@code docker tag SOURCE REPO:TAG}; an empty tag is {@code latest}. */
    public void tag(String source, String repo, String tag) throws IOException {
        if (repo == null || repo.isEmpty()) throw ApiException.invalid("repository name must be given");
        Reference target;
        try {
            target = Reference.parseLoose(repo);
            if (target.digest() != null) throw ApiException.invalid("refusing to create a tag with a digest reference");
            if (tag != null && !tag.isEmpty()) target = Reference.parseLoose(target.withTag(null).familiarRepository() + ":" + tag);
            if (target.tag() == null) target = target.withTag("latest");
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(e.getMessage());
        }
        synchronized (lock) {
            String id = resolveOrNotFound(source);
            refs.put(target.tagKey(), id);
            Stored s = byId.get(id);
            Stored t = new Stored(s.id(), s.diffIds(), s.manifestMediaType(), s.manifestDigest(), s.manifestSize(),
                    s.manifestDigests(), s.size(), now());
            byId.put(id, t);
            JSON.writeValue(tempThen(images.resolve(Digests.hex(id) + ".json")).toFile(), t);
            commit(images.resolve(Digests.hex(id) + ".json"));
            writeRefs();
        }
    }

    /**
     * {@code docker rmi [-f] NAME}, with Docker's rules: a name that is one of several references is
     * only untagged; the last reference of an image a container uses needs force (and then only
     * untags); an id of an image in use is refused even with force; an unused image is deleted with
     * every layer no other image needs.
     *
     * @param containerUsing the id of a container (task) on this node using the image id, or null
     * @return Docker's ImageDeleteResponseItem list: {"Untagged": ...} and {"Deleted": ...}
     */
    public List<Map<String, String>> remove(String name, boolean force, Function<String, String> containerUsing) throws IOException {
        List<Map<String, String>> records = new ArrayList<>();
        gc.writeLock().lock();
        try {
            synchronized (lock) {
                String id = resolveOrNotFound(name);
                String user = containerUsing.apply(id);
                String matchedKey = referenceKey(name, id);
                boolean removedRef = false;
                if (matchedKey != null) {
                    if (!force && singleReference(id) && user != null) {
                        throw ApiException.conflict("conflict: unable to remove repository reference \"%s\" (must force) - container %s is using its referenced image %s",
                                name, shortId(user), shortId(id));
                    }
                    untag(matchedKey, records);
                    String repo = repoOf(matchedKey);
                    if (!matchedKey.contains("@") && keysOf(id).stream().noneMatch(k -> !k.contains("@") && repoOf(k).equals(repo))) {
                        for (String k : keysOf(id)) if (k.contains("@") && repoOf(k).equals(repo)) untag(k, records);
                    }
                    if (!keysOf(id).isEmpty()) {
                        writeRefs();
                        return records;
                    }
                    removedRef = true;
                } else if (singleReference(id)) {
                    if (user != null) throw runningConflict(id, user);
                    for (String k : keysOf(id)) untag(k, records);
                }
                if (user != null) {
                    writeRefs();
                    if (removedRef) return records; // the image stays, dangling, as Docker leaves it
                    throw runningConflict(id, user);
                }
                if (!keysOf(id).isEmpty()) {
                    if (!force) {
                        throw ApiException.conflict("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories", shortId(id));
                    }
                    for (String k : keysOf(id)) untag(k, records);
                }
                delete(id, records);
                writeRefs();
                return records;
            }
        } finally {
            gc.writeLock().unlock();
        }
    }

    private static ApiException runningConflict(String id, String container) {
        return ApiException.conflict("conflict: unable to delete %s (cannot be forced) - image is being used by running container %s",
                shortId(id), shortId(container));
    }

    private void untag(String key, List<Map<String, String>> records) {
        refs.remove(key);
        records.add(Map.of("Untagged", familiarKey(key)));
    }

    private void delete(String id, List<Map<String, String>> records) throws IOException {
        Stored s = byId.remove(id);
        configs.remove(id);
        Files.deleteIfExists(images.resolve(Digests.hex(id) + ".json"));
        Set<String> stillUsed = new java.util.HashSet<>();
        Set<String> blobsUsed = new java.util.HashSet<>();
        for (Stored o : byId.values()) {
            stillUsed.addAll(o.diffIds());
            blobsUsed.add(o.id());
            blobsUsed.addAll(o.manifestDigests());
        }
        for (String d : s.diffIds()) {
            if (stillUsed.add(d)) FileTrees.delete(layers.resolve(Digests.hex(d)));
        }
        for (String b : s.manifestDigests()) if (!blobsUsed.contains(b)) Files.deleteIfExists(blobs.resolve(Digests.hex(b)));
        if (!blobsUsed.contains(id)) Files.deleteIfExists(blobs.resolve(Digests.hex(id)));
        records.add(Map.of("Deleted", id));
    }

    /** At most one tag, and all references in one repository: removing by id then takes them along. */
    private boolean singleReference(String id) {
        List<String> keys = keysOf(id);
        return keys.stream().filter(k -> !k.contains("@")).count() <= 1
                && keys.stream().map(ImageStore::repoOf).distinct().count() <= 1;
    }

    private List<String> keysOf(String id) {
        List<String> out = new ArrayList<>();
        for (var e : refs.entrySet()) if (e.getValue().equals(id)) out.add(e.getKey());
        return out;
    }

    private static String repoOf(String key) {
        int at = key.indexOf('@');
        if (at >= 0) return key.substring(0, at);
        return key.substring(0, key.lastIndexOf(':'));
    }

    /** The index key the name was resolved through, or null when it named the image by id. */
    private String referenceKey(String name, String id) {
        Reference r = tryParse(name);
        if (r == null) return null;
        String key = r.digest() != null ? r.digestKey() : r.tagKey();
        return id.equals(refs.get(key)) ? key : null;
    }

    private static String shortId(String id) {
        String hex = id.startsWith("sha256:") ? id.substring(7) : id;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    // ---------------------------------------------------------------- lookups (callers hold lock)

    private String resolveOrNotFound(String name) {
        String id = resolveId(name);
        if (id == null) throw ApiException.notFound("No such image: %s", name);
        return id;
    }

    private String resolveId(String name) {
        if (name == null || name.isEmpty()) return null;
        if (Digests.isValid(name) && byId.containsKey(name)) return name;
        Reference r = tryParse(name);
        if (r != null) {
            if (r.digest() != null) {
                String id = refs.get(r.digestKey());
                if (id != null) return id;
                for (Stored s : byId.values()) {
                    if (s.manifestDigests().contains(r.digest()) || s.id().equals(r.digest())) return s.id();
                }
                return null;
            }
            String id = refs.get(r.tagKey());
            if (id != null) return id;
        }
        if (HEX_PREFIX.matcher(name).matches()) {
            String prefix = name.startsWith("sha256:") ? name : "sha256:" + name;
            String found = null;
            for (String id : byId.keySet()) {
                if (id.startsWith(prefix)) {
                    if (found != null) return null; // ambiguous
                    found = id;
                }
            }
            return found;
        }
        return null;
    }

    private static Reference tryParse(String name) {
        try {
            return Reference.parse(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private Image toImage(Stored s) {
        JsonNode c = config(s.id());
        JsonNode cc = c.path("config");
        JsonNode hc = cc.path("Healthcheck");
        ImageConfig.Healthcheck health = hc.isObject()
                ? new ImageConfig.Healthcheck(strings(hc.path("Test")), hc.path("Interval").asLong(), hc.path("Timeout").asLong(),
                        hc.path("Retries").asLong(), hc.path("StartPeriod").asLong())
                : null;
        ImageConfig config = new ImageConfig(strings(cc.path("Entrypoint")), strings(cc.path("Cmd")), strings(cc.path("Env")),
                cc.path("WorkingDir").asText(""), cc.path("User").asText(""), cc.path("StopSignal").asText(""), health);
        return new Image(s.id(), repoTags(s.id()), repoDigests(s.id()), layerDirs(s), config);
    }

    private List<Path> layerDirs(Stored s) {
        return s.diffIds().stream().map(d -> layers.resolve(Digests.hex(d)).resolve("diff")).toList();
    }

    private static List<String> strings(JsonNode array) {
        if (!array.isArray()) return List.of();
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.asText());
        return List.copyOf(out);
    }

    private List<String> repoTags(String id) {
        return keysOf(id).stream().filter(k -> !k.contains("@")).map(ImageStore::familiarKey).toList();
    }

    private List<String> repoDigests(String id) {
        return keysOf(id).stream().filter(k -> k.contains("@")).map(ImageStore::familiarKey).toList();
    }

    private static String familiarKey(String key) {
        return Reference.parseLoose(key).familiar();
    }

    private static long createdSeconds(JsonNode config) {
        String created = config.path("created").asText("");
        if (created.isEmpty()) return 0;
        try {
            return OffsetDateTime.parse(created).toEpochSecond();
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private JsonNode config(String id) {
        return configs.computeIfAbsent(id, k -> {
            try {
                return JSON.readTree(blobs.resolve(Digests.hex(k)).toFile());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("image config " + k + " is unreadable", e);
            }
        });
    }
}
