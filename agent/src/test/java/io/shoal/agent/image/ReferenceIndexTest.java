package io.shoal.agent.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a name a user gives resolves to an image id; the store's tests cover a tag, a short id and a pinned digest. */
class ReferenceIndexTest {
    // Two ids that share their first four hex digits.
    static final String A = "sha256:abcd" + "1".repeat(60);
    static final String B = "sha256:abcd" + "2".repeat(60);
    static final String MANIFEST_OF_A = "sha256:" + "e".repeat(64);
    static final String OTHER = "sha256:" + "f".repeat(64);

    @TempDir
    Path dir;
    ImageRecords images;
    ReferenceIndex index;

    @BeforeEach
    void setUp() throws IOException {
        images = new ImageRecords(dir.resolve("images"), new BlobStore(dir.resolve("blobs")));
        images.put(image(A, MANIFEST_OF_A));
        images.put(image(B, OTHER));
        index = new ReferenceIndex(dir.resolve("repositories.json"), images);
    }

    static StoredImage image(String id, String manifest) {
        return new StoredImage(id, List.of(), RegistryClient.OCI_MANIFEST, manifest, 1, List.of(manifest), 0, 0);
    }

    @Test
    void idsAndPrefixesThatAreUnambiguous() {
        assertEquals(A, index.resolve(A));
        assertEquals(A, index.resolve("abcd1"));
        assertEquals(A, index.resolve("sha256:abcd1"));
        assertNull(index.resolve("abcd"), "a prefix of two ids names neither");
        assertNull(index.resolve("sha256:abcd"));
        assertNull(index.resolve("abcd3"));
        assertNull(index.resolve(""));
        assertNull(index.resolve(null));
    }

    @Test
    void aNameWinsOverAnIdPrefixThatLooksTheSame() {
        index.put("docker.io/library/abcd1:latest", B);
        assertEquals(B, index.resolve("abcd1"));
        assertEquals(A, index.resolve("sha256:abcd1"), "with sha256: it can only be an id");
    }

    @Test
    void aDigestResolvesThroughItsKeyOrAnyImageWithThatManifestOrConfig() {
        assertEquals(A, index.resolve("anything@" + MANIFEST_OF_A), "a manifest this node has pins its image");
        assertEquals(B, index.resolve("anything:1@" + B), "so does a config digest");
        index.put("docker.io/library/app@" + OTHER, A);
        assertEquals(A, index.resolve("app@" + OTHER), "the digest key comes first");
        index.put("docker.io/library/app:latest", A);
        assertNull(index.resolve("app@sha256:" + "0".repeat(64)), "an unknown digest does not fall back to the tag");
    }

    @Test
    void aTaglessNameIsLatest() {
        index.put("docker.io/library/app:latest", A);
        index.put("localhost:5000/app:2", B);
        assertEquals(A, index.resolve("app"));
        assertEquals(A, index.resolve("docker.io/library/app:latest"));
        assertEquals(B, index.resolve("localhost:5000/app:2"));
        assertNull(index.resolve("localhost:5000/app"));
        assertEquals(404, assertThrows(ApiException.class, () -> index.resolveOrNotFound("localhost:5000/app")).status());
    }

    @Test
    void theKeyANameResolvedThrough() {
        index.put("docker.io/library/app:latest", A);
        assertEquals("docker.io/library/app:latest", index.keyOf("app", A));
        assertNull(index.keyOf("abcd1", A), "an id prefix is no key");
        assertNull(index.keyOf("app", B));
    }

    @Test
    void oneReferenceIsAtMostOneTagAndOneRepository() {
        assertTrue(index.singleReference(A));
        index.put("docker.io/library/app:1", A);
        index.put("docker.io/library/app@" + MANIFEST_OF_A, A);
        assertTrue(index.singleReference(A), "a tag and a digest of one repository");
        index.put("docker.io/library/app:2", A);
        assertFalse(index.singleReference(A), "two tags");
        assertEquals("app:2", index.remove("docker.io/library/app:2"));
        index.put("docker.io/library/other@" + MANIFEST_OF_A, A);
        assertFalse(index.singleReference(A), "two repositories");
        assertEquals(List.of("app:1"), index.repoTags(A));
        assertEquals(List.of("app@" + MANIFEST_OF_A, "other@" + MANIFEST_OF_A), index.repoDigests(A));
    }

    @Test
    void namesOfImagesNoLongerRecordedAreDroppedOnReading() throws IOException {
        index.put("docker.io/library/a:1", A);
        index.put("docker.io/library/b:1", B);
        index.save();
        images.remove(B);
        ReferenceIndex reread = new ReferenceIndex(dir.resolve("repositories.json"), images);
        assertEquals(A, reread.resolve("a:1"));
        assertNull(reread.resolve("b:1"));
        assertEquals(List.of(), reread.keysOf(B));
    }
}
