package io.shoal.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What {@code grep -rl} tells: which files under a directory hold a text, as bytes, wherever it is in them. */
public final class DiskSearch {
    public static List<Path> filesContaining(Path root, String text) throws IOException {
        return filesContaining(root, text, false);
    }

    public static List<Path> filesContaining(Path root, byte[] needle) throws IOException {
        return filesContaining(root, needle, false);
    }

    /**
     * With {@code diskOnly}, only the files of {@code root}'s own file system: not those of the
     * tmpfs and overlay mounts below it, which are memory or views of files found anyway.
     */
    public static List<Path> filesContaining(Path root, String text, boolean diskOnly) throws IOException {
        return filesContaining(root, text.getBytes(StandardCharsets.UTF_8), diskOnly);
    }

    public static List<Path> filesContaining(Path root, byte[] needle, boolean diskOnly) throws IOException {
        Object device = Files.getAttribute(root, "unix:dev");
        List<Path> hits = new ArrayList<>();
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes;
                try {
                    if (diskOnly && !device.equals(Files.getAttribute(f, "unix:dev"))) continue;
                    bytes = Files.readAllBytes(f);
                } catch (java.nio.file.NoSuchFileException e) {
                    continue; // replaced or removed meanwhile by a daemon still at work
                } catch (IOException e) {
                    if ("nsfs".equals(fileStoreType(f))) continue; // a namespace bind-mounted on a file: no bytes
                    throw e;
                }
                if (indexOf(bytes, bytes.length, needle) >= 0) hits.add(f);
            }
        }
        return hits;
    }

    private static String fileStoreType(Path f) {
        try {
            return Files.getFileStore(f).type();
        } catch (IOException e) {
            return "";
        }
    }

    /** Where {@code needle} first is in the first {@code length} bytes of {@code hay}, or -1. */
    static int indexOf(byte[] hay, int length, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private DiskSearch() {}
}
