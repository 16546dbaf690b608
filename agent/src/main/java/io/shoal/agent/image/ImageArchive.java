package io.shoal.agent.image;

import io.shoal.api.ApiException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An image archive ({@code docker save} or OCI image layout) unpacked into a work directory, whose
 * files are read so that nothing outside the directory ever is: entries named with {@code ..} or
 * through a symlink of the archive are refused as it is unpacked, hardlinks must point inside it,
 * and a file reached through a symlink must still be inside it. Symlinks are kept, as old {@code
 * docker save} archives link layers their images share.
 */
final class ImageArchive {
    private final Path dir;

    private ImageArchive(Path dir) {
        this.dir = dir;
    }

    /**
     * Unpacks {@code tarball} into {@code dir}, an empty directory.
     *
     * @throws ApiException 400 when it is not a tar, is empty, or has an entry that would land outside {@code dir}
     */
    static ImageArchive unpack(InputStream tarball, Path dir) throws IOException {
        TarArchiveInputStream tar = new TarArchiveInputStream(tarball, StandardCharsets.UTF_8.name());
        TarArchiveEntry e;
        int entries = 0;
        try {
            while ((e = tar.getNextEntry()) != null) {
                entries++;
                String name = LayerUnpacker.clean(e.getName());
                if (name.isEmpty()) continue;
                Path target = LayerUnpacker.resolve(dir, name);
                Files.createDirectories(target.getParent());
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isSymbolicLink()) {
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, Path.of(e.getLinkName()));
                } else if (e.isLink()) {
                    Files.deleteIfExists(target);
                    Files.createLink(target, LayerUnpacker.resolve(dir, LayerUnpacker.clean(e.getLinkName())));
                } else if (e.isFile()) {
                    Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException | IllegalArgumentException ex) {
            throw ApiException.invalid("invalid image archive: %s", ex.getMessage());
        }
        if (entries == 0) throw ApiException.invalid("invalid image archive: it is empty or not a tar file");
        return new ImageArchive(dir);
    }

    boolean has(String name) {
        return Files.isRegularFile(dir.resolve(name));
    }

    /** A file of the archive, refusing one that is missing or that a link leads out of it. */
    Path file(String name) throws IOException {
        if (name == null || name.isEmpty()) throw ApiException.invalid("invalid image archive: a file name is missing");
        Path p = dir.resolve(name).normalize();
        if (!p.startsWith(dir) || !Files.exists(p)) throw ApiException.invalid("invalid image archive: %s is missing", name);
        if (!p.toRealPath().startsWith(dir.toRealPath())) throw ApiException.invalid("invalid image archive: %s leads outside it", name);
        return p;
    }

    /** {@code blobs/sha256/HEX} of an OCI layout. */
    Path blob(String digest) throws IOException {
        if (!Digests.isValid(digest)) throw ApiException.invalid("invalid digest %s in archive: only sha256 is supported", digest);
        return file("blobs/sha256/" + Digests.hex(digest));
    }

    /** The bytes of an OCI layout's blob, refused unless they match its digest. */
    byte[] verifiedBlob(String digest) throws IOException {
        byte[] bytes = Files.readAllBytes(blob(digest));
        if (!Digests.of(bytes).equals(digest)) throw ApiException.invalid("blob %s in the archive does not match its digest", digest);
        return bytes;
    }
}
