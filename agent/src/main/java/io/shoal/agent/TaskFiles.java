package io.shoal.agent;

import io.shoal.api.Json;
import io.shoal.api.Task;
import io.shoal.common.FileTrees;
import io.shoal.pki.DataKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's tasks on disk: one {@code <id>.task} per task, holding the task and its last
 * reported status, sealed with the node's {@link DataKey} (associated data: the task's id).
 */
final class TaskFiles {
    private static final Logger LOG = LoggerFactory.getLogger(TaskFiles.class);

    private static final String SUFFIX = ".task";

    private final Path dir;
    private final DataKey key;

    TaskFiles(Path dir, DataKey key) {
        this.dir = dir;
        this.key = key;
    }

    List<Task> load() throws IOException {
        Files.createDirectories(dir);
        List<Task> tasks = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(SUFFIX)).toList()) {
                String id = f.getFileName().toString();
                id = id.substring(0, id.length() - SUFFIX.length());
                try {
                    tasks.add(Json.MAPPER.readValue(key.open(Files.readAllBytes(f), place(id)), Task.class));
                } catch (IOException e) {
                    LOG.error("ignoring unreadable task file {}: {}", f, e.getMessage());
                }
            }
        }
        return tasks;
    }

    /**
     * Replaces the task's file atomically: a reader sees the old or the new content, never a part.
     * Not flushed: a task file matters to a daemon that restarts while its containers run on, and a
     * crash of the machine ends those too, so the flush would only cost each start.
     */
    void write(Task task) throws IOException {
        FileTrees.replace(dir.resolve(task.id() + SUFFIX), key.seal(Json.MAPPER.writeValueAsBytes(task), place(task.id())));
    }

    void delete(String taskId) throws IOException {
        Files.deleteIfExists(dir.resolve(taskId + SUFFIX));
    }

    private static byte[] place(String taskId) {
        return ("task " + taskId).getBytes(StandardCharsets.UTF_8);
    }
}
