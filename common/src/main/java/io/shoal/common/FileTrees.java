package io.shoal.common;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Files and directory trees written and removed so that a crash never leaves half of one behind. */
public final class FileTrees {
    private FileTrees() {}

    /**
     * Deletes {@code root} and everything below it; nothing when it does not exist. Symbolic links
     * are removed, never followed, so a link in a container's tree cannot lead the delete out of it.
     * A mount point below {@code root} makes it fail (its directory is not empty): callers unmount first.
     */
    public static void delete(Path root) throws IOException {
        if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            try (var children = Files.list(root)) {
                for (Path c : (Iterable<Path>) children::iterator) delete(c);
            } catch (NoSuchFileException e) {
                return;
            }
        }
        Files.deleteIfExists(root);
    }

    /**
     * Replaces {@code file} with {@code content} in one step: written beside it, flushed to disk,
     * then renamed over it. A reader sees the old content or the new, never a part of either.
     *
     * @param mode the permissions the file is created with (null: the process's default)
     */
    public static void writeAtomically(Path file, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        write(file, content, mode, true);
    }

    public static void writeAtomically(Path file, byte[] content) throws IOException {
        writeAtomically(file, content, null);
    }

    /**
     * Replaces {@code file} with {@code content} in one step, as {@link #writeAtomically} does, but
     * without flushing it to disk first: for a file that matters only as long as the processes
     * using it run (a crash of the machine takes them too), where a flush would cost a hot path.
     */
    public static void replace(Path file, byte[] content) throws IOException {
        write(file, content, null, false);
    }

    private static void write(Path file, byte[] content, Set<PosixFilePermission> mode, boolean flush) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        FileAttribute<?>[] attrs = mode == null ? new FileAttribute<?>[0]
                : new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)};
        try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
            var buf = java.nio.ByteBuffer.wrap(content);
            while (buf.hasRemaining()) ch.write(buf);
            if (flush) ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
