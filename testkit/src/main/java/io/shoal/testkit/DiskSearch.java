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
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        List<Path> hits = new ArrayList<>();
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(f);
                } catch (java.nio.file.NoSuchFileException e) {
                    continue; // replaced or removed meanwhile by a daemon still at work
                } catch (IOException e) {
                    if ("nsfs".equals(fileStoreType(f))) continue; // a namespace bind-mounted on a file: no bytes
                    throw e;
                }
                if (indexOf(bytes, needle) >= 0) hits.add(f);
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

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private DiskSearch() {}
}
