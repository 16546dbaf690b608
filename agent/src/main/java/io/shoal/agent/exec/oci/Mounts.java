package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Host mounts: is a path a mount point, and mount/umount through the host's tools. */
final class Mounts {
    private Mounts() {}

    record Result(int code, String output) {
        boolean ok() {
            return code == 0;
        }
    }

    static boolean isMountPoint(Path p) {
        String target = p.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String mp = line.split(" ")[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\");
                if (mp.equals(target)) return true;
            }
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    static Result command(String... argv) throws IOException {
        try {
            Process p = Launcher.start(new ProcessBuilder(argv).redirectErrorStream(true));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return new Result(p.waitFor(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", argv));
        }
    }
}
