package io.shoal.network;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A network namespace pinned by an nsfs bind mount on {@code file}, as {@code ip netns add} pins
 * one under /run/netns but in a directory of the data plane's own: the namespace lives as long as
 * the mount (or a process inside it), so it outlives the daemon that made it, and everything one
 * daemon made is found by listing its directory.
 */
record NetworkNamespace(Path file) {
    NetworkNamespace {
        file = file.toAbsolutePath();
    }

    /** Whether a namespace is mounted on the file: its device is nsfs's, not its directory's. */
    boolean exists() {
        try {
            return !Files.getAttribute(file, "unix:dev", LinkOption.NOFOLLOW_LINKS)
                    .equals(Files.getAttribute(file.getParent(), "unix:dev", LinkOption.NOFOLLOW_LINKS));
        } catch (IOException e) {
            return false;
        }
    }

    /** Creates and pins the namespace unless it exists; {@code lo} is up in a new one. */
    void ensure(NamespaceThread thread) throws IOException {
        if (exists()) return;
        Files.createDirectories(file.getParent());
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) Files.createFile(file);
        thread.create(file);
    }

    /**
     * Unpins the namespace and removes the file. The kernel frees the namespace, and the links in
     * it, once nothing else holds it (a process still running inside keeps it).
     */
    void delete() throws IOException {
        Libc.unmount(file);
        Files.deleteIfExists(file);
    }
}
