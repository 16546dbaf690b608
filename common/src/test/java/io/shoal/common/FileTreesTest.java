package io.shoal.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @Test
    void deletesATreeWithoutFollowingLinksOutOfIt(@TempDir Path dir) throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "x");
        Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
        Files.writeString(tree.resolve("f"), "y");
        Files.createSymbolicLink(dir.resolve("tree/a/link"), outside);

        FileTrees.delete(dir.resolve("tree"));

        assertFalse(Files.exists(dir.resolve("tree")));
        assertTrue(Files.exists(outside.resolve("keep")), "the link's target is left alone");
        FileTrees.delete(dir.resolve("tree")); // absent: nothing to do
    }

    @Test
    void writesAtomicallyWithTheGivenMode(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sub/key");
        FileTrees.writeAtomically(f, new byte[] {1, 2}, PosixFilePermissions.fromString("rw-------"));
        FileTrees.writeAtomically(f, new byte[] {3}, PosixFilePermissions.fromString("rw-------"));
        assertArrayEquals(new byte[] {3}, Files.readAllBytes(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var left = Files.list(f.getParent())) {
            assertEquals(1, left.count(), "no temporary file is left beside it");
        }
    }

    @Test
    void replacesInOneStepWithoutAFlush(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("state.json");
        FileTrees.replace(f, new byte[] {1});
        FileTrees.replace(f, new byte[] {2, 3});
        assertArrayEquals(new byte[] {2, 3}, Files.readAllBytes(f));
        try (var left = Files.list(dir)) {
            assertEquals(1, left.count(), "no temporary file is left beside it");
        }
    }
}
