package io.shoal.agent.exec.process;

import io.shoal.common.FileTrees;
import io.shoal.agent.exec.ExecException;
import io.shoal.agent.exec.Exit;
import io.shoal.agent.exec.ExitFile;
import io.shoal.agent.exec.Launcher;
import io.shoal.agent.exec.Signals;
import io.shoal.agent.exec.Stop;
import io.shoal.agent.exec.TaskController;
import io.shoal.agent.exec.PayloadFiles;
import io.shoal.agent.exec.TaskNetworking;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Defaults;
import io.shoal.api.Task;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One task as a host process under a detached monitor; see {@link ProcessExecutor}. */
final class ProcessController implements TaskController {
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final long KILL_TIMEOUT_SECONDS = 10;

    /** $0 is the task directory; the process runs in its own session, with default signal handling. */
    private static final String MONITOR_SCRIPT = """
            d=$0
            '%s' '%s' --default-signal "$@" >"$d/stdout.log" 2>"$d/stderr.log" </dev/null &
            echo "$$ $!" >"$d/pids.tmp" && mv "$d/pids.tmp" "$d/pids" || exit 1
            echo started
            exec >/dev/null
            wait $!
            echo $? >"$d/exitcode.tmp" && mv "$d/exitcode.tmp" "$d/exitcode"
            """;

    private final Task task;
    private final ContainerSpec spec;
    private final Path dir;
    private final ProcessExecutor.Tools tools;
    private Started started; // guarded by this; null until started here or found on disk

    /** The monitor (whose end means exitcode is written) and the task's main process. */
    private record Started(CompletableFuture<?> monitorExit, long pid) {}

    ProcessController(Task task, Path dir, ProcessExecutor.Tools tools) {
        this.task = task;
        this.spec = task.spec() == null ? null : task.spec().containerSpec();
        this.dir = dir;
        this.tools = tools;
    }

    @Override
    public void prepare() throws ExecException {
        TaskNetworking.NONE.attach(task); // a process here would be in the host's network: no silent host networking
        if (PayloadFiles.refersToAny(task)) {
            // No private tmpfs without root: the files would be on a disk or readable by others.
            throw new ExecException("secrets and configs need the oci executor (root and runc): this node runs tasks as"
                    + " plain processes, which have no file system of their own to hold them");
        }
        if (command().isEmpty()) {
            throw new ExecException("no command: the process executor runs ContainerSpec.Command and Args");
        }
        stopSignal();
        String user = spec.user() == null ? "" : spec.user();
        if (!user.isEmpty() && !user.equals(System.getProperty("user.name"))
                && !(user.equals("0") && "root".equals(System.getProperty("user.name")))) {
            throw new ExecException("user " + user + ": the process executor runs tasks as the daemon's own user");
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("image"), spec.image() + "\n");
        } catch (IOException e) {
            throw new ExecException("preparing " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isDirectory(workDir())) {
            throw new ExecException("working directory " + workDir() + " does not exist (the process executor does not create host directories)");
        }
    }

    @Override
    public synchronized void start() throws ExecException {
        if (started() != null) return;
        Map<String, String> env = environment();
        List<String> command = command();
        checkExecutable(command.getFirst(), env.get("PATH"));
        List<String> argv = new ArrayList<>(List.of(tools.setsid().toString(), tools.sh().toString(), "-c",
                MONITOR_SCRIPT.formatted(tools.setsid(), tools.env()), dir.toString()));
        argv.addAll(command);
        var pb = new ProcessBuilder(argv)
                .directory(workDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("monitor.log").toFile()));
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Process monitor = Launcher.start(pb);
            try (var out = new BufferedReader(new InputStreamReader(monitor.getInputStream(), StandardCharsets.UTF_8))) {
                if (!"started".equals(out.readLine())) {
                    throw new ExecException("starting the process monitor failed: " + Files.readString(dir.resolve("monitor.log")).strip());
                }
            }
            started = new Started(monitor.onExit(), readPids()[1]);
        } catch (IOException e) {
            throw new ExecException("starting " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecException("starting " + command.getFirst() + ": interrupted", e);
        }
    }

    @Override
    public Exit await() throws ExecException, InterruptedException {
        Started s;
        synchronized (this) {
            s = started();
        }
        if (s == null) throw new ExecException("task: not started");
        try {
            s.monitorExit().get();
        } catch (ExecutionException e) {
            throw new ExecException("task: waiting for exit: " + e.getCause(), e);
        }
        OptionalInt code = ExitFile.read(dir.resolve("exitcode"));
        if (code.isEmpty()) throw ExitFile.unknown();
        return new Exit(code.getAsInt(), false);
    }

    @Override
    public void shutdown() throws ExecException, InterruptedException {
        Started s = running();
        if (s == null) return;
        Stop.gracefully(s.monitorExit(), Defaults.stopGracePeriod(spec),
                () -> signal(Integer.toString(stopSignal()), Long.toString(s.pid())), this::terminate);
    }

    @Override
    public void terminate() throws ExecException, InterruptedException {
        Started s = running();
        if (s == null) return;
        signal("KILL", "-" + s.pid()); // the whole process group: the task's children go too
        try {
            s.monitorExit().get(KILL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new ExecException("task: process " + s.pid() + " did not exit after SIGKILL");
        }
    }

    @Override
    public void remove() throws ExecException, InterruptedException {
        terminate();
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            throw new ExecException("removing " + dir + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path logDirectory() {
        return dir;
    }

    @Override
    public synchronized long pid() {
        try {
            Started s = started();
            return s == null ? 0 : s.pid();
        } catch (ExecException e) {
            return 0;
        }
    }

    private synchronized Started running() throws ExecException {
        Started s = started();
        return s == null || s.monitorExit().isDone() ? null : s;
    }

    /** What this controller started, or what an earlier daemon started, re-adopted from the pids file. */
    private Started started() throws ExecException {
        if (started == null && Files.exists(dir.resolve("pids"))) {
            long[] pids = readPids();
            CompletableFuture<?> monitorExit = ProcessHandle.of(pids[0])
                    .filter(h -> h.info().arguments().map(a -> List.of(a).contains(dir.toString())).orElse(false))
                    .<CompletableFuture<?>>map(ProcessHandle::onExit)
                    .orElse(CompletableFuture.completedFuture(null));
            started = new Started(monitorExit, pids[1]);
        }
        return started;
    }

    private long[] readPids() throws ExecException {
        try {
            String[] words = Files.readString(dir.resolve("pids")).strip().split(" ");
            return new long[] {Long.parseLong(words[0]), Long.parseLong(words[1])};
        } catch (IOException | RuntimeException e) {
            throw new ExecException("task: reading " + dir.resolve("pids") + ": " + e.getMessage(), e);
        }
    }

    private void signal(String signal, String target) throws ExecException, InterruptedException {
        try {
            Process kill = Launcher.start(new ProcessBuilder(tools.kill().toString(), "-s", signal, "--", target)
                    .redirectErrorStream(true));
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            // A process that ended meanwhile is no error: the caller waits for its monitor anyway.
            if (kill.waitFor() != 0 && running() != null && !out.contains("No such process")) {
                throw new ExecException("task: kill -s " + signal + " " + target + ": " + out);
            }
        } catch (IOException e) {
            throw new ExecException("task: kill: " + e.getMessage(), e);
        }
    }

    private List<String> command() {
        List<String> c = new ArrayList<>();
        if (spec != null && spec.command() != null) c.addAll(spec.command());
        if (spec != null && spec.args() != null) c.addAll(spec.args());
        return c;
    }

    private Path workDir() {
        return spec.dir() == null || spec.dir().isEmpty() ? dir : Path.of(spec.dir());
    }

    /** PATH and HOME, then the spec's Env ("K=V"; a bare "K" unsets K, as in Docker). */
    private Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", DEFAULT_PATH);
        env.put("HOME", System.getProperty("user.home"));
        if (spec.env() != null) {
            for (String e : spec.env()) {
                int eq = e.indexOf('=');
                if (eq < 0) env.remove(e);
                else env.put(e.substring(0, eq), e.substring(eq + 1));
            }
        }
        return env;
    }

    /** Fails as Docker does when the command cannot be found, rather than as an exit code 127. */
    private void checkExecutable(String name, String path) throws ExecException {
        if (name.contains("/")) {
            if (!Files.isExecutable(workDir().resolve(name))) {
                throw new ExecException("exec: \"" + name + "\": no such file or not executable");
            }
            return;
        }
        for (String d : (path == null ? "" : path).split(":")) {
            if (Files.isExecutable(workDir().resolve(d.isEmpty() ? "." : d).resolve(name))) return;
        }
        throw new ExecException("exec: \"" + name + "\": executable file not found in $PATH");
    }

    /** ContainerSpec.StopSignal as a number: "SIGTERM", "TERM", "term" or "15"; SIGTERM when unset. */
    private int stopSignal() throws ExecException {
        try {
            return Signals.parse(spec.stopSignal(), 15);
        } catch (IllegalArgumentException e) {
            throw new ExecException(e.getMessage());
        }
    }
}
