package io.shoal.testkit;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a process's memory holds some text: its writable mappings read through
 * {@code /proc/PID/mem} (root, or the same user with ptrace allowed). A JVM keeps what it once
 * held until the garbage is overwritten, so finding nothing means the text never came in, which
 * is what a test of "this node never got that secret" wants.
 */
public final class ProcessMemory {
    private static final int CHUNK = 1 << 20;

    private ProcessMemory() {}

    public static boolean contains(long pid, String text) throws IOException {
        byte[] needle = text.getBytes(StandardCharsets.UTF_8);
        List<String> maps = Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps"));
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            byte[] buf = new byte[CHUNK + needle.length];
            for (String line : maps) {
                String[] f = line.split("\\s+");
                if (!f[1].startsWith("rw")) continue;
                String[] range = f[0].split("-");
                long start = Long.parseUnsignedLong(range[0], 16), end = Long.parseUnsignedLong(range[1], 16);
                for (long at = start; at < end; at += CHUNK) {
                    int n = (int) Math.min(buf.length, end - at);
                    try {
                        mem.seek(at);
                        mem.readFully(buf, 0, n);
                    } catch (IOException e) {
                        break; // a mapping that went away or cannot be read (guard pages)
                    }
                    if (DiskSearch.indexOf(buf, n, needle) >= 0) return true;
                }
            }
        }
        return false;
    }
}
