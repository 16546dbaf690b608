package io.shoal.agent.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image archive's entries and links stay inside its work directory; the store's tests cover a layer's. */
class ImageArchiveTest {
    @TempDir
    Path dir;
    Path work;
    Path outside;

    @BeforeEach
    void setUp() throws IOException {
        work = Files.createDirectory(dir.resolve("work"));
        outside = Files.writeString(dir.resolve("outside"), "secret");
    }

    private ImageArchive unpack(TestImages.Layer tar) throws IOException {
        return ImageArchive.unpack(new ByteArrayInputStream(tar.build()), work);
    }

    @Test
    void entriesThatWouldLandOutsideAreRefused() {
        ApiException e = assertThrows(ApiException.class, () -> unpack(new TestImages.Layer().file("../escaped", "x")));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("leaves the layer"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("escaped")));

        e = assertThrows(ApiException.class, () -> unpack(new TestImages.Layer().symlink("up", "..").file("up/escaped", "x")));
        assertTrue(e.getMessage().contains("passes through the symlink"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("escaped")));
    }

    @Test
    void aHardlinkMustPointInside() {
        ApiException e = assertThrows(ApiException.class, () -> unpack(new TestImages.Layer().hardlink("copy", "../outside")));
        assertTrue(e.getMessage().contains("leaves the layer"), e.getMessage());
        assertFalse(Files.exists(work.resolve("copy")));
    }

    @Test
    void aFileReachedThroughASymlinkMustStayInside() throws IOException {
        ImageArchive archive = unpack(new TestImages.Layer()
                .file("blobs/sha256/" + Digests.hex(Digests.of("in".getBytes(StandardCharsets.UTF_8))), "in")
                .symlink("shared.json", "blobs/sha256/" + Digests.hex(Digests.of("in".getBytes(StandardCharsets.UTF_8))))
                .symlink("manifest.json", outside.toString())
                .symlink("relative.json", "../outside"));
        assertEquals("in", Files.readString(archive.file("shared.json")), "a link inside, as old docker save archives have");
        ApiException e = assertThrows(ApiException.class, () -> archive.file("manifest.json"));
        assertEquals("invalid image archive: manifest.json leads outside it", e.getMessage());
        assertThrows(ApiException.class, () -> archive.file("relative.json"));
        e = assertThrows(ApiException.class, () -> archive.file("../outside"));
        assertEquals("invalid image archive: ../outside is missing", e.getMessage());
    }

    @Test
    void blobsAreReadByDigestAndChecked() throws IOException {
        byte[] in = "in".getBytes(StandardCharsets.UTF_8);
        String wrong = Digests.of("other".getBytes(StandardCharsets.UTF_8));
        ImageArchive archive = unpack(new TestImages.Layer()
                .file("blobs/sha256/" + Digests.hex(Digests.of(in)), "in")
                .file("blobs/sha256/" + Digests.hex(wrong), "in"));
        assertArrayEquals(in, archive.verifiedBlob(Digests.of(in)));
        assertTrue(assertThrows(ApiException.class, () -> archive.verifiedBlob(wrong)).getMessage().contains("does not match its digest"));
        assertTrue(assertThrows(ApiException.class, () -> archive.blob("sha512:00")).getMessage().contains("only sha256"));
    }

    @Test
    void anEmptyStreamIsNoArchive() {
        ApiException e = assertThrows(ApiException.class, () -> ImageArchive.unpack(new ByteArrayInputStream(new byte[0]), work));
        assertEquals("invalid image archive: it is empty or not a tar file", e.getMessage());
    }
}
