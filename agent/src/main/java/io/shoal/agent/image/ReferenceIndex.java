package io.shoal.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.api.ApiException;
import io.shoal.common.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The names of this node's images, in {@code repositories.json}: normalised tag keys ({@code
 * docker.io/library/busybox:latest}) and digest keys ({@code docker.io/library/busybox@sha256:...})
 * to image ids, and what a name a user gives resolves to. Not safe from many threads: {@link
 * ImageStore} holds its lock around every use.
 */
final class ReferenceIndex {
    private static final Pattern HEX_PREFIX = Pattern.compile("(?:sha256:)?[0-9a-f]{1,64}");

    private final Path file;
    private final ImageRecords images;
    private final TreeMap<String, String> refs = new TreeMap<>();

    /** Reads the index, leaving out names of images that are not recorded. */
    ReferenceIndex(Path file, ImageRecords images) throws IOException {
        this.file = file;
        this.images = images;
        if (Files.exists(file)) {
            JsonNode r = ImageJson.MAPPER.readTree(file.toFile()).path("refs");
            r.fields().forEachRemaining(e -> {
                if (images.get(e.getValue().asText()) != null) refs.put(e.getKey(), e.getValue().asText());
            });
        }
    }

    /** Points a key at an image; a name moves from any image that had it. {@link #save} writes it down. */
    void put(String key, String id) {
        refs.put(key, id);
    }

    /** Removes a key; returns it as Docker prints it ({@code busybox:latest}). */
    String remove(String key) {
        refs.remove(key);
        return familiar(key);
    }

    void save() throws IOException {
        FileTrees.writeAtomically(file, ImageJson.MAPPER.writeValueAsBytes(Map.of("refs", refs)));
    }

    /**
     * The id of the image a name gives, as Docker resolves it: a full id; a reference by digest
     * (a name's digest key, else any image that has the manifest or config of that digest); a
     * reference by tag ({@code latest} when none); else an unambiguous id prefix, with or without
     * {@code sha256:}. Null when nothing, or more than one image by prefix, matches.
     */
    String resolve(String name) {
        if (name == null || name.isEmpty()) return null;
        if (Digests.isValid(name) && images.get(name) != null) return name;
        Reference r = tryParse(name);
        if (r != null) {
            if (r.digest() != null) {
                String id = refs.get(r.digestKey());
                if (id != null) return id;
                for (StoredImage s : images.all()) {
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
            for (StoredImage s : images.all()) {
                if (s.id().startsWith(prefix)) {
                    if (found != null) return null; // ambiguous
                    found = s.id();
                }
            }
            return found;
        }
        return null;
    }

    /** As {@link #resolve}; 404 "No such image: NAME" when there is none. */
    String resolveOrNotFound(String name) {
        String id = resolve(name);
        if (id == null) throw ApiException.notFound("No such image: %s", name);
        return id;
    }

    /** The key {@code name} resolved to {@code id} through, or null when it named the image by id. */
    String keyOf(String name, String id) {
        Reference r = tryParse(name);
        if (r == null) return null;
        String key = r.digest() != null ? r.digestKey() : r.tagKey();
        return id.equals(refs.get(key)) ? key : null;
    }

    List<String> keysOf(String id) {
        List<String> out = new ArrayList<>();
        for (var e : refs.entrySet()) if (e.getValue().equals(id)) out.add(e.getKey());
        return out;
    }

    /** At most one tag, and all names in one repository: removing the image by id takes them along. */
    boolean singleReference(String id) {
        List<String> keys = keysOf(id);
        return keys.stream().filter(k -> !isDigestKey(k)).count() <= 1
                && keys.stream().map(ReferenceIndex::repositoryOf).distinct().count() <= 1;
    }

    /** {@code busybox:latest}, as {@code docker images} shows the image's tags. */
    List<String> repoTags(String id) {
        return keysOf(id).stream().filter(k -> !isDigestKey(k)).map(ReferenceIndex::familiar).toList();
    }

    /** {@code busybox@sha256:...}, as {@code docker images --digests} shows them. */
    List<String> repoDigests(String id) {
        return keysOf(id).stream().filter(ReferenceIndex::isDigestKey).map(ReferenceIndex::familiar).toList();
    }

    static boolean isDigestKey(String key) {
        return key.contains("@");
    }

    /** The repository of a key: {@code docker.io/library/busybox}. */
    static String repositoryOf(String key) {
        int at = key.indexOf('@');
        if (at >= 0) return key.substring(0, at);
        return key.substring(0, key.lastIndexOf(':'));
    }

    private static String familiar(String key) {
        return Reference.parseLoose(key).familiar();
    }

    private static Reference tryParse(String name) {
        try {
            return Reference.parse(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
