package io.shoal.agent;

import static org.junit.jupiter.api.Assertions.fail;

import io.shoal.api.ContainerSpec;
import io.shoal.api.Ids;
import io.shoal.api.Json;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Tasks to run, polling with a deadline, and killing what a test started. */
public final class TestSupport {
    public static final Duration DEADLINE = Duration.ofSeconds(15);

    private TestSupport() {}

    /** A task running {@code sh -c script} (unless {@code extra} has Args); {@code extra} adds ContainerSpec fields by their Engine API names. */
    public static Task shTask(String script, TaskState desired, Map<String, Object> extra) {
        var fields = new java.util.HashMap<String, Object>(extra);
        fields.put("Image", "busybox:latest");
        // The API's mapper refuses absent primitives (see the report); a Docker client sends them.
        fields.put("TTY", false);
        fields.put("OpenStdin", false);
        fields.put("ReadOnly", false);
        if (!fields.containsKey("Args")) fields.put("Args", List.of("sh", "-c", script));
        var container = Json.MAPPER.convertValue(fields, ContainerSpec.class);
        var spec = new TaskSpec(null, container, null, null, null, null, 0, null, null, null);
        return new Task(Ids.newId(), null, null, null, "svc.1", null, spec, "svc", 1, "node-1",
                TaskStatus.of(TaskState.ASSIGNED, "scheduler assigned task to node", Instant.now()), desired, null, null);
    }

    public static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) fail("timed out waiting until " + what);
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting until " + what);
            }
        }
    }

    public static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Kills the process group a task's process leads (the process executor starts each in its own session). */
    public static void killGroup(long pid) {
        if (pid <= 0 || !alive(pid)) return;
        try {
            new ProcessBuilder("kill", "-s", "KILL", "--", "-" + pid).redirectErrorStream(true).start().waitFor();
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        until("process " + pid + " is gone", () -> !alive(pid));
    }
}
