package io.shoal.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.api.ApiException;
import io.shoal.common.FileTrees;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;

/**
 * This node's images, content-addressed under one state directory:
 * <pre>
 *   blobs/sha256/HEX        image configs and manifests, written only after their digest checked out ({@link BlobStore})
 *   layers/HEX/diff/        a layer unpacked once (HEX of its diff id), shared read-only by every image and container ({@link LayerStore})
 *   layers/HEX/layer.json   its diff id, tar size and content size
 *   images/HEX.json         an image (HEX of its id, the config digest): layers, manifest descriptor, known manifest digests ({@link ImageRecords})
 *   repositories.json       references: "docker.io/library/busybox:latest" and "docker.io/library/busybox@sha256:..." to ids ({@link ReferenceIndex})
 *   tmp/                    work in progress, emptied at start
 * </pre>
 * Images come from archives ({@link ImageImporter}) and registries ({@link RegistryPuller}).
 * Compressed layer blobs are not kept: a layer is verified (blob digest and diff id) as it is
 * unpacked and only its directory stays. Everything is safe to use from many threads: a layer is
 * unpacked by one thread while others wanting it wait, two {@link #get}s of the same missing image
 * share one pull, and deletion excludes loads and pulls in progress.
 */
public final class ImageStore implements ImageSource {
    private final BlobStore blobs;
    private final LayerStore layers;
    private final ImageImporter importer;
    private final RegistryPuller puller;

    /** Guards {@link #records}, {@link #names} and the files that hold them. */
    private final Object lock = new Object();
    private final ImageRecords records;
    private final ReferenceIndex names;

    private final ConcurrentHashMap<String, CompletableFuture<Image>> pulls = new ConcurrentHashMap<>();

    public ImageStore(Path stateDir) throws IOException {
        this(stateDir, RegistryClient.defaultHttpClient());
    }

    public ImageStore(Path stateDir, HttpClient http) throws IOException {
        Path tmp = stateDir.resolve("tmp");
        FileTrees.delete(tmp);
        Files.createDirectories(tmp);
        this.blobs = new BlobStore(stateDir.resolve("blobs").resolve("sha256"));
        this.layers = new LayerStore(stateDir.resolve("layers"), tmp);
        this.records = new ImageRecords(stateDir.resolve("images"), blobs);
        this.names = new ReferenceIndex(stateDir.resolve("repositories.json"), records);
        this.importer = new ImageImporter(layers, tmp, this::record);
        this.puller = new RegistryPuller(new RegistryClient(http), layers, this::record);
    }

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

    private Image pull(Reference ref, String registryAuth) throws ImageUnavailableException {
        Lock adding = layers.adding();
        adding.lock();
        try {
            String id = puller.pull(ref, registryAuth);
            synchronized (lock) {
                return toImage(records.get(id));
            }
        } finally {
            adding.unlock();
        }
    }

    /** The local image a name, reference, id or id prefix names, without pulling. */
    public Optional<Image> find(String name) {
        synchronized (lock) {
            String id = names.resolve(name);
            return id == null ? Optional.empty() : Optional.of(toImage(records.get(id)));
        }
    }

    /**
     * Loads a {@code docker save} tarball or an OCI image-layout tarball with the names it carries.
     *
     * @return Docker's lines for it: "Loaded image: busybox:latest", or "Loaded image ID: sha256:..." for an untagged image
     * @throws ApiException 400 when the archive is neither, or is damaged
     */
    public List<String> load(InputStream tarball) throws IOException {
        Lock adding = layers.adding();
        adding.lock();
        try {
            return importer.load(tarball);
        } finally {
            adding.unlock();
        }
    }

    /** Records an image whose layers are in place, with its names (a name moves from any image that had it). */
    private void record(NewImage image) throws IOException {
        String id = image.id();
        blobs.put(id, image.config());
        for (var e : image.manifests().entrySet()) blobs.put(e.getKey(), e.getValue());
        long size = 0;
        for (String d : image.diffIds()) size += layers.info(d).size();
        synchronized (lock) {
            StoredImage old = records.get(id);
            Set<String> digests = new LinkedHashSet<>(image.manifests().keySet());
            if (old != null) digests.addAll(old.manifestDigests());
            // A real manifest (pulled, OCI layout) wins over the one written for a docker save archive.
            StoredImage s = old != null && image.synthesized()
                    ? new StoredImage(id, image.diffIds(), old.manifestMediaType(), old.manifestDigest(), old.manifestSize(),
                            List.copyOf(digests), size, now())
                    : new StoredImage(id, image.diffIds(), image.manifestType(), Digests.of(image.manifest()), image.manifest().length,
                            List.copyOf(digests), size, now());
            records.put(s);
            for (Reference n : image.names()) names.put(n.tagKey(), id);
            for (String d : image.repoDigests()) names.put(d, id);
            names.save();
        }
    }

    /** How many images there are, as {@code docker info} counts them. */
    public int count() {
        synchronized (lock) {
            return records.all().size();
        }
    }

    /** Every image, newest first, as {@code docker images} lists them. */
    public List<ImageSummary> list() {
        synchronized (lock) {
            List<ImageSummary> out = new ArrayList<>();
            for (StoredImage s : records.all()) {
                JsonNode c = records.config(s.id());
                Map<String, String> labels = new TreeMap<>();
                c.path("config").path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
                out.add(new ImageSummary(s.id(), "", names.repoTags(s.id()), names.repoDigests(s.id()), createdSeconds(c), s.size(), -1,
                        s.size(), labels.isEmpty() ? null : labels, -1));
            }
            out.sort(Comparator.comparingLong(ImageSummary::created).reversed().thenComparing(ImageSummary::id));
            return out;
        }
    }

    /** {@code docker image inspect NAME}; 404 "No such image: NAME" when there is none. */
    public ImageInspect inspect(String name) {
        synchronized (lock) {
            StoredImage s = records.get(names.resolveOrNotFound(name));
            JsonNode c = records.config(s.id());
            List<String> lower = new ArrayList<>();
            for (Path p : layerDirs(s).reversed()) lower.add(p.toString());
            return new ImageInspect(s.id(), names.repoTags(s.id()), names.repoDigests(s.id()), "", c.path("comment").asText(""),
                    c.path("created").asText(""), c.path("docker_version").asText(""), c.path("author").asText(""),
                    c.path("config").isObject() ? c.get("config") : ImageJson.MAPPER.createObjectNode(),
                    c.path("architecture").asText(""), c.path("os").asText(""), s.size(),
                    new ImageInspect.GraphDriver("overlay2", Map.of("LowerDir", String.join(":", lower))),
                    new ImageInspect.RootFS("layers", s.diffIds()),
                    new ImageInspect.Metadata(Instant.ofEpochMilli(s.lastTagTime()).toString()));
        }
    }

    /** The manifest descriptor and platform of a local image; empty when it is not on this node. */
    public Optional<DistributionInfo> distribution(String name) {
        synchronized (lock) {
            String id = names.resolve(name);
            if (id == null) return Optional.empty();
            StoredImage s = records.get(id);
            JsonNode c = records.config(id);
            return Optional.of(new DistributionInfo(
                    new DistributionInfo.Descriptor(s.manifestMediaType(), s.manifestDigest(), s.manifestSize()),
                    List.of(new DistributionInfo.Platform(c.path("architecture").asText("amd64"), c.path("os").asText("linux")))));
        }
    }

    private Image toImage(StoredImage s) {
        JsonNode cc = records.config(s.id()).path("config");
        JsonNode hc = cc.path("Healthcheck");
        ImageConfig.Healthcheck health = hc.isObject()
                ? new ImageConfig.Healthcheck(strings(hc.path("Test")), hc.path("Interval").asLong(), hc.path("Timeout").asLong(),
                        hc.path("Retries").asLong(), hc.path("StartPeriod").asLong())
                : null;
        ImageConfig config = new ImageConfig(strings(cc.path("Entrypoint")), strings(cc.path("Cmd")), strings(cc.path("Env")),
                cc.path("WorkingDir").asText(""), cc.path("User").asText(""), cc.path("StopSignal").asText(""), health);
        return new Image(s.id(), names.repoTags(s.id()), names.repoDigests(s.id()), layerDirs(s), config);
    }

    private List<Path> layerDirs(StoredImage s) {
        return s.diffIds().stream().map(layers::diff).toList();
    }

    private static List<String> strings(JsonNode array) {
        if (!array.isArray()) return List.of();
        List<String> out = new ArrayList<>();
        for (JsonNode n : array) out.add(n.asText());
        return List.copyOf(out);
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
            String id = names.resolveOrNotFound(source);
            names.put(target.tagKey(), id);
            records.put(records.get(id).taggedAt(now()));
            names.save();
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
        List<Map<String, String>> out = new ArrayList<>();
        Lock deleting = layers.deleting();
        deleting.lock();
        try {
            synchronized (lock) {
                String id = names.resolveOrNotFound(name);
                String user = containerUsing.apply(id);
                String matchedKey = names.keyOf(name, id);
                boolean removedRef = false;
                if (matchedKey != null) {
                    if (!force && names.singleReference(id) && user != null) {
                        throw ApiException.conflict("conflict: unable to remove repository reference \"%s\" (must force) - container %s is using its referenced image %s",
                                name, shortId(user), shortId(id));
                    }
                    untag(matchedKey, out);
                    String repo = ReferenceIndex.repositoryOf(matchedKey);
                    boolean lastTagOfRepo = names.keysOf(id).stream()
                            .noneMatch(k -> !ReferenceIndex.isDigestKey(k) && ReferenceIndex.repositoryOf(k).equals(repo));
                    if (!ReferenceIndex.isDigestKey(matchedKey) && lastTagOfRepo) {
                        for (String k : names.keysOf(id)) if (ReferenceIndex.isDigestKey(k) && ReferenceIndex.repositoryOf(k).equals(repo)) untag(k, out);
                    }
                    if (!names.keysOf(id).isEmpty()) {
                        names.save();
                        return out;
                    }
                    removedRef = true;
                } else if (names.singleReference(id)) {
                    if (user != null) throw runningConflict(id, user);
                    for (String k : names.keysOf(id)) untag(k, out);
                }
                if (user != null) {
                    names.save();
                    if (removedRef) return out; // the image stays, dangling, as Docker leaves it
                    throw runningConflict(id, user);
                }
                if (!names.keysOf(id).isEmpty()) {
                    if (!force) {
                        throw ApiException.conflict("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories", shortId(id));
                    }
                    for (String k : names.keysOf(id)) untag(k, out);
                }
                delete(id, out);
                names.save();
                return out;
            }
        } finally {
            deleting.unlock();
        }
    }

    private static ApiException runningConflict(String id, String container) {
        return ApiException.conflict("conflict: unable to delete %s (cannot be forced) - image is being used by running container %s",
                shortId(id), shortId(container));
    }

    private void untag(String key, List<Map<String, String>> out) {
        out.add(Map.of("Untagged", names.remove(key)));
    }

    /** Deletes the image with its layers and blobs that no other image has. */
    private void delete(String id, List<Map<String, String>> out) throws IOException {
        StoredImage s = records.remove(id);
        Set<String> layersUsed = new HashSet<>();
        Set<String> blobsUsed = new HashSet<>();
        for (StoredImage o : records.all()) {
            layersUsed.addAll(o.diffIds());
            blobsUsed.add(o.id());
            blobsUsed.addAll(o.manifestDigests());
        }
        for (String d : s.diffIds()) {
            if (layersUsed.add(d)) layers.delete(d);
        }
        for (String b : s.manifestDigests()) if (!blobsUsed.contains(b)) blobs.delete(b);
        if (!blobsUsed.contains(id)) blobs.delete(id);
        out.add(Map.of("Deleted", id));
    }

    private static String shortId(String id) {
        String hex = id.startsWith("sha256:") ? id.substring(7) : id;
        return hex.length() > 12 ? hex.substring(0, 12) : hex;
    }

    private static long now() {
        return System.currentTimeMillis();
    }
}
