package io.shoal.agent.image;

import io.shoal.common.FileTrees;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks one layer tar (gzip or plain) into a directory that overlayfs can use as a lower dir:
 * {@code .wh.NAME} becomes a character device 0/0 named NAME, {@code .wh..wh..opq} marks its
 * directory with {@code trusted.overlay.opaque=y}. Symlinks, hardlinks, devices, FIFOs,
 * permissions (setuid too), ownership (when root), modification times and {@code SCHILY.xattr}
 * extended attributes are kept. Entries that would land outside the directory — {@code ..}
 * components, or a path through a symlink the layer made — are refused.
 */
final class LayerUnpacker {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";

    /** What unpacking found: the digest and length of the uncompressed tar, the size of its files. */
    record Result(String diffId, long tarSize, long contentSize) {}

    private final boolean root = Posix.isRoot();

    /** Unpacks {@code layer} into {@code dir}, which must exist and be empty. */
    Result unpack(InputStream layer, Path dir) throws IOException {
        BufferedInputStream in = new BufferedInputStream(layer, 1 << 16);
        in.mark(4);
        int b1 = in.read();
        int b2 = in.read();
        int b3 = in.read();
        int b4 = in.read();
        in.reset();
        InputStream tarStream = in;
        if (b1 == 0x1f && b2 == 0x8b) {
            tarStream = new GZIPInputStream(in, 1 << 16);
        } else if (b1 == 0x28 && b2 == 0xb5 && b3 == 0x2f && b4 == 0xfd) {
            throw new IOException("zstd-compressed layers are not supported");
        }
        Digests.Counting counted = new Digests.Counting(tarStream);
        long content = 0;
        List<Map.Entry<Path, FileTime>> dirTimes = new ArrayList<>();
        TarArchiveInputStream tar = new TarArchiveInputStream(counted, StandardCharsets.UTF_8.name());
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null) {
            String name = clean(e.getName());
            if (name.isEmpty()) {
                if (e.isDirectory()) applyMetadata(dir, e, dirTimes);
                continue;
            }
            Path target = resolve(dir, name);
            String base = target.getFileName().toString();
            Path parent = target.getParent();
            if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) Files.createDirectories(parent);
            if (base.equals(OPAQUE)) {
                Posix.lsetxattr(parent, "trusted.overlay.opaque", "y".getBytes(StandardCharsets.US_ASCII));
                continue;
            }
            if (base.startsWith(WHITEOUT_PREFIX)) {
                if (base.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) continue; // aufs metadata (.wh..wh.plnk and such)
                Path hidden = parent.resolve(base.substring(WHITEOUT_PREFIX.length()));
                removeExisting(hidden);
                Posix.mknod(hidden, Posix.S_IFCHR, 0);
                if (root) Posix.lchown(hidden, (int) e.getLongUserId(), (int) e.getLongGroupId());
                continue;
            }
            if (e.isDirectory()) {
                if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.delete(target);
                }
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(target);
                applyMetadata(target, e, dirTimes);
                continue;
            }
            removeExisting(target);
            if (e.isSymbolicLink()) {
                Files.createSymbolicLink(target, Path.of(e.getLinkName()));
            } else if (e.isLink()) {
                Path source = resolve(dir, clean(e.getLinkName()));
                if (!Files.exists(source, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("hardlink " + name + " to " + e.getLinkName() + ": target is not in the layer");
                }
                Files.createLink(target, source);
                continue; // a hardlink shares the metadata of its target
            } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                int type = e.isCharacterDevice() ? Posix.S_IFCHR : e.isBlockDevice() ? Posix.S_IFBLK : Posix.S_IFIFO;
                Posix.mknod(target, type | (e.getMode() & 07777), Posix.makedev(e.getDevMajor(), e.getDevMinor()));
            } else if (e.isFile()) {
                content += Files.copy(tar, target);
            } else {
                continue; // sparse/GNU special entries carry nothing a container needs
            }
            applyMetadata(target, e, null);
        }
        // Directory times last: adding entries changed them.
        for (int i = dirTimes.size() - 1; i >= 0; i--) {
            var d = dirTimes.get(i);
            Files.getFileAttributeView(d.getKey(), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .setTimes(d.getValue(), null, null);
        }
        counted.drain();
        return new Result(counted.digest(), counted.count(), content);
    }

    private void applyMetadata(Path target, TarArchiveEntry e, List<Map.Entry<Path, FileTime>> dirTimes) throws IOException {
        boolean symlink = e.isSymbolicLink();
        if (root) Posix.lchown(target, (int) e.getLongUserId(), (int) e.getLongGroupId());
        // chmod after chown: chown clears setuid/setgid.
        if (!symlink) Posix.chmod(target, e.getMode());
        for (var x : e.getExtraPaxHeaders().entrySet()) {
            if (x.getKey().startsWith("SCHILY.xattr.")) {
                String attr = x.getKey().substring("SCHILY.xattr.".length());
                if (attr.startsWith("trusted.overlay.")) continue; // a layer may not forge overlayfs metadata
                if (!root && !attr.startsWith("user.")) continue;
                Posix.lsetxattr(target, attr, x.getValue().getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        FileTime mtime = e.getLastModifiedTime();
        if (mtime == null) return;
        if (dirTimes != null) {
            dirTimes.add(Map.entry(target, mtime));
        } else {
            Files.getFileAttributeView(target, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(mtime, null, null);
        }
    }

    /** The entry name without {@code ./} or {@code /} in front and without a trailing {@code /}. */
    static String clean(String name) {
        String n = name;
        while (n.startsWith("./") || n.startsWith("/")) n = n.startsWith("./") ? n.substring(2) : n.substring(1);
        while (n.endsWith("/")) n = n.substring(0, n.length() - 1);
        return n.equals(".") ? "" : n;
    }

    /** {@code dir/name}, refusing {@code ..} and paths that pass through a symlink inside {@code dir}. */
    static Path resolve(Path dir, String name) throws IOException {
        Path p = dir;
        String[] parts = name.split("/");
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.equals(".")) continue;
            if (part.equals("..")) throw new IOException("layer entry " + name + " leaves the layer");
            p = p.resolve(part);
            if (i < parts.length - 1 && Files.isSymbolicLink(p)) {
                throw new IOException("layer entry " + name + " passes through the symlink " + dir.relativize(p));
            }
        }
        if (p.equals(dir)) throw new IOException("layer entry " + name + " names the layer itself");
        return p;
    }

    private static void removeExisting(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            FileTrees.delete(p);
        } else {
            Files.deleteIfExists(p);
        }
    }

    /** Moves {@code from} to {@code to} in one step, or reports that {@code to} exists already. */
    static boolean moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            return false;
        }
    }
}
