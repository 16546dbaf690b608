package io.shoal.agent.exec.process;

import io.shoal.agent.exec.Executor;
import io.shoal.agent.exec.NodeFacts;
import io.shoal.agent.exec.TaskIds;
import io.shoal.agent.exec.TaskController;
import io.shoal.api.Node;
import io.shoal.api.Task;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The executor for machines without root or runc: a task's {@code ContainerSpec.Command + Args}
 * run as a plain child process of this host, with the spec's Env on top of a minimal PATH and
 * HOME. The image is recorded, not run.
 *
 * <p>Each task has a directory {@code <stateDir>/<taskId>} holding {@code stdout.log}, {@code
 * stderr.log}, {@code image}, and the files of its monitor: a detached {@code setsid sh -c}
 * wrapper that starts the process in its own session (so its process group is its pid), writes
 * {@code pids} ("monitorPid pid") and, when the process ends, {@code exitcode} (128 + signal when
 * killed). The monitor outlives the daemon, so a restarted daemon re-adopts running processes and
 * learns the exit code of those that ended while it was down.
 *
 * <p>Dir, when given, must exist: it is a directory of this host, not of an image, and creating it
 * would change the host behind the operator's back. Without Dir a task runs in its own directory.
 */
public final class ProcessExecutor implements Executor {
    private final Path stateDir;
    private final String hostname;
    private final String engineVersion;
    private final Map<String, String> engineLabels;
    private final Tools tools;

    public ProcessExecutor(Path stateDir, String hostname, String engineVersion, Map<String, String> engineLabels) {
        this.stateDir = stateDir.toAbsolutePath();
        this.hostname = hostname;
        this.engineVersion = engineVersion;
        this.engineLabels = Map.copyOf(engineLabels);
        this.tools = Tools.find();
        try {
            Files.createDirectories(this.stateDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Node.Description describe() {
        return NodeFacts.describe(hostname, engineVersion, engineLabels, List.of());
    }

    @Override
    public TaskController controller(Task task) {
        return new ProcessController(task, stateDir.resolve(TaskIds.check(task.id())), tools);
    }

    /** Absolute paths of the host tools the monitor uses, so a task's PATH cannot replace them. */
    record Tools(Path sh, Path setsid, Path env, Path kill) {
        static Tools find() {
            return new Tools(Path.of("/bin/sh"), which("setsid"), which("env"), which("kill"));
        }

        private static Path which(String name) {
            for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                Path p = Path.of(d.isEmpty() ? "." : d, name).toAbsolutePath();
                if (Files.isExecutable(p)) return p;
            }
            throw new IllegalStateException("the process executor needs `" + name + "` on the PATH");
        }
    }
}
