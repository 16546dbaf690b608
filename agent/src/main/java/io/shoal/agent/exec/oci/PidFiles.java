package io.shoal.agent.exec.oci;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pid files runc writes for the containers' inits when they run ({@code <id>.pid}), all in one
 * tmpfs directory, and the starts waiting for them. One inotify watch on the directory wakes a
 * start as soon as runc renames its file into place; polling for each file cost ~50 wake-ups a
 * start and found the file ~1 ms late on average.
 */
final class PidFiles {
    private final Path dir;
    private final Map<String, CompletableFuture<Void>> awaited = new ConcurrentHashMap<>();
    private WatchService watcher; // guarded by this; made on the first wait

    PidFiles(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Path of(String id) {
        return dir.resolve(id + ".pid");
    }

    /** Completes when container {@code id}'s pid file exists; cancel it to stop waiting. */
    CompletableFuture<Void> appearance(String id) throws IOException {
        watch();
        CompletableFuture<Void> seen = new CompletableFuture<>();
        awaited.put(id, seen);
        seen.whenComplete((v, e) -> awaited.remove(id, seen));
        if (Files.exists(of(id))) seen.complete(null);
        return seen;
    }

    private synchronized void watch() throws IOException {
        if (watcher != null) return;
        watcher = dir.getFileSystem().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE); // inotify's IN_CREATE and IN_MOVED_TO
        Thread.ofVirtual().name("pid-files").start(this::dispatch);
    }

    private void dispatch() {
        try {
            for (;;) {
                WatchKey key = watcher.take();
                for (WatchEvent<?> e : key.pollEvents()) {
                    if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                        awaited.forEach((id, seen) -> {
                            if (Files.exists(of(id))) seen.complete(null);
                        });
                    } else if (e.context() instanceof Path name && name.toString().endsWith(".pid")) {
                        CompletableFuture<Void> seen = awaited.get(name.toString().substring(0, name.toString().length() - 4));
                        if (seen != null) seen.complete(null);
                    }
                }
                key.reset();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // the JVM is going away
        }
    }
}
