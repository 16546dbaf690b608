package io.shoal.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The busybox test image, made by the repository's {@code bin/busybox-image} (Debian's
 * busybox-static as a {@code docker save} tarball), so tests load it the way a user does.
 */
public final class BusyboxImage {
    private BusyboxImage() {}

    /** {@code bin/busybox-image} of the repository around the working directory, if there is one. */
    public static Optional<Path> script() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path script = p.resolve("bin/busybox-image");
            if (Files.isExecutable(script)) return Optional.of(script);
        }
        return Optional.empty();
    }

    /** Builds the image {@code name} as a tarball in {@code dir} and returns its path. */
    public static Path build(Path dir, String name) throws IOException {
        Path script = script().orElseThrow(() -> new IOException("bin/busybox-image not found above " + Path.of("").toAbsolutePath()));
        Path out = dir.resolve(name.replaceAll("[^A-Za-z0-9]", "_") + ".tar");
        DaemonProcess.Result r = Exec.run(List.of(script.toString(), out.toString(), name), null, Duration.ofSeconds(60));
        if (r.exit() != 0) throw new IOException("bin/busybox-image failed: " + r.both());
        return out;
    }
}
