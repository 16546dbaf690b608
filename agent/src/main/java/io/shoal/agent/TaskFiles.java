package io.shoal.agent;

import io.shoal.api.Json;
import io.shoal.api.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The worker's tasks on disk: one {@code <id>.json} per task, holding the task and its last reported status. */
final class TaskFiles {
    private static final Logger LOG = LoggerFactory.getLogger(TaskFiles.class);

    private final Path dir;

    TaskFiles(Path dir) {
        this.dir = dir;
    }

    List<Task> load() throws IOException {
        Files.createDirectories(dir);
        List<Task> tasks = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                try {
                    tasks.add(Json.MAPPER.readValue(f.toFile(), Task.class));
                } catch (IOException e) {
                    LOG.error("ignoring unreadable task file {}: {}", f, e.getMessage());
                }
            }
        }
        return tasks;
    }

    /** Replaces the task's file atomically: a reader sees the old or the new content, never a part. */
    void write(Task task) throws IOException {
        Path tmp = dir.resolve(task.id() + ".json.tmp");
        Files.write(tmp, Json.MAPPER.writeValueAsBytes(task));
        Files.move(tmp, dir.resolve(task.id() + ".json"), StandardCopyOption.ATOMIC_MOVE);
    }

    void delete(String taskId) throws IOException {
        Files.deleteIfExists(dir.resolve(taskId + ".json"));
    }
}
