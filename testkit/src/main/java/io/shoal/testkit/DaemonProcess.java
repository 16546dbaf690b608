package io.shoal.testkit;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * A real {@code shoal daemon} in its own JVM (the process executor, a small heap), driven like a
 * user drives it: through the docker CLI or raw Engine API calls on its socket. It can be
 * killed with SIGKILL, frozen with SIGSTOP and thawed with SIGCONT, and started again on the same
 * data dir. {@link Options} says how it is launched: by default on loopback with a free port; a
 * {@link TestNetwork.Host} runs it inside a network namespace under {@code nsenter}.
 */
public final class DaemonProcess implements AutoCloseable {
    public static final String DOCKER = "/usr/local/bin/docker";

    public record Result(int exit, String out, String err) {
        public String both() {
            return out + err;
        }
    }

    /**
     * How the daemon is launched. {@code commandPrefix} runs before {@code java} (for example
     * {@code nsenter --net=/run/netns/X}, which execs, so {@link #pid()} stays the daemon's);
     * {@code classPath} must hold {@code io.shoal.daemon.Main}.
     */
    public record Options(List<String> commandPrefix, String listenAddr, String advertiseAddr, String hostname,
                          String executor, String classPath, List<String> extraArgs) {
        public Options {
            commandPrefix = List.copyOf(commandPrefix);
            extraArgs = List.copyOf(extraArgs);
        }

        /** Loopback, a free cluster port, the process executor: what {@link #DaemonProcess(Path)} uses. */
        public static Options local() throws IOException {
            return new Options(List.of(), "127.0.0.1:" + freePort(), "127.0.0.1", "shoal-test", "process",
                    daemonClassPath(), List.of());
        }

        public Options withCommandPrefix(List<String> prefix) {
            return new Options(prefix, listenAddr, advertiseAddr, hostname, executor, classPath, extraArgs);
        }

        public Options withListenAddr(String addr) {
            return new Options(commandPrefix, addr, advertiseAddr, hostname, executor, classPath, extraArgs);
        }

        public Options withAdvertiseAddr(String addr) {
            return new Options(commandPrefix, listenAddr, addr, hostname, executor, classPath, extraArgs);
        }

        public Options withHostname(String name) {
            return new Options(commandPrefix, listenAddr, advertiseAddr, name, executor, classPath, extraArgs);
        }

        public Options withExecutor(String name) {
            return new Options(commandPrefix, listenAddr, advertiseAddr, hostname, name, classPath, extraArgs);
        }

        public Options withClassPath(String path) {
            return new Options(commandPrefix, listenAddr, advertiseAddr, hostname, executor, path, extraArgs);
        }

        public Options withExtraArgs(List<String> args) {
            return new Options(commandPrefix, listenAddr, advertiseAddr, hostname, executor, classPath, args);
        }
    }

    /**
     * The system property that gives the daemons' JVM options, for a benchmark that measures the
     * daemon as {@code bin/shoal} runs it rather than as the tests do.
     */
    public static final String JVM_OPTIONS = "shoal.daemon.jvm";

    /** Small heap and C1 only: tests start many short-lived daemons on two cores. */
    private static final String TEST_JVM_OPTIONS = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    private final Path dir;
    private final Path socket;
    private final Options options;
    private final String listenAddr;
    private Process process;
    private volatile boolean stopped;

    public DaemonProcess(Path dir) throws IOException {
        this(dir, Options.local());
    }

    public DaemonProcess(Path dir, Options options) {
        this.dir = dir;
        this.socket = dir.resolve("shoal.sock");
        this.options = options;
        this.listenAddr = options.listenAddr();
    }

    /**
     * This JVM's class path when it holds the daemon (the daemon's and bench's tests); otherwise the
     * shaded jar named by {@code -Dshoal.jar} or found at {@code ../daemon/target/shoal.jar} (a module's
     * tests run in the module's directory), so modules the daemon depends on can start it too.
     */
    public static String daemonClassPath() {
        String own = System.getProperty("java.class.path");
        if (ClassLoader.getSystemResource("io/shoal/daemon/Main.class") != null) return own;
        String named = System.getProperty("shoal.jar");
        if (named != null) return named;
        Path built = Path.of("").toAbsolutePath().resolveSibling("daemon").resolve("target").resolve("shoal.jar");
        return Files.isRegularFile(built) ? built.toString() : own;
    }

    public Options options() {
        return options;
    }

    public String listenAddr() {
        return listenAddr;
    }

    public static boolean dockerCliPresent() {
        return new File(DOCKER).canExecute();
    }

    /** Why daemons cannot run in {@link TestNetwork} hosts and be driven by the docker CLI here, or empty. */
    public static Optional<String> hostsUnavailableReason() {
        return TestNetwork.unavailableReason()
                .or(() -> dockerCliPresent() ? Optional.empty() : Optional.of("no docker CLI at " + DOCKER));
    }

    public Path socket() {
        return socket;
    }

    public Path dataDir() {
        return dir.resolve("data");
    }

    public UnixHttp http() {
        return new UnixHttp(socket);
    }

    public DaemonProcess start() throws IOException {
        List<String> cmd = new ArrayList<>(options.commandPrefix());
        cmd.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(System.getProperty(JVM_OPTIONS, TEST_JVM_OPTIONS).trim().split("\\s+")));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED",
                "-cp", options.classPath(),
                "io.shoal.daemon.Main", "daemon",
                "--data-dir", dataDir().toString(), "--socket", socket.toString(),
                "--listen-addr", listenAddr, "--advertise-addr", options.advertiseAddr(),
                "--executor", options.executor(), "--hostname", options.hostname()));
        cmd.addAll(options.extraArgs());
        stopped = false;
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("daemon.log").toFile()))
                .start();
        eventually(Duration.ofSeconds(60), () -> {
            if (!process.isAlive()) throw new IllegalStateException("daemon exited: " + log());
            try {
                return http().get("/_ping").status() == 200;
            } catch (IOException e) {
                return false;
            }
        });
        return this;
    }

    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        stopped = false;
    }

    /** Freezes the daemon (SIGSTOP): its sockets stay open but nothing answers, like a hung host. */
    public void sigstop() throws IOException, InterruptedException {
        signal("STOP");
        stopped = true;
    }

    /** Thaws a daemon frozen by {@link #sigstop()}. */
    public void sigcont() throws IOException, InterruptedException {
        signal("CONT");
        stopped = false;
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Whether {@code /_ping} answers 200 within {@code timeout}. */
    public boolean ping(Duration timeout) {
        try {
            return new UnixHttp(socket, timeout).get("/_ping").status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private void signal(String name) throws IOException, InterruptedException {
        if (process == null || !process.isAlive()) throw new IllegalStateException("daemon is not running");
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                .redirectErrorStream(true).start();
        String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (kill.waitFor() != 0) throw new IOException("kill -" + name + " " + process.pid() + ": " + out);
    }

    public long pid() {
        return process.pid();
    }

    public String log() {
        try {
            return Files.readString(dir.resolve("daemon.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** The log without Ratis's chatter: its warnings, errors and Shoal's own lines. */
    public String notableLog() {
        return log().lines().filter(l -> l.contains("WARN") || l.contains("ERROR") || l.contains("io.shoal."))
                .collect(Collectors.joining("\n"));
    }

    /** The docker CLI with {@code args}, set to talk to this daemon, for a caller that starts and reads it itself. */
    public ProcessBuilder dockerProcess(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(DOCKER);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DOCKER_HOST", "unix://" + socket);
        pb.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
        return pb;
    }

    /** Runs the docker CLI against this daemon. */
    public Result docker(String... args) throws IOException, InterruptedException {
        return dockerWithInput(null, args);
    }

    /** Runs the docker CLI against this daemon with {@code input} on its stdin (a key {@code docker swarm unlock} reads), if not null. */
    public Result dockerWithInput(String input, String... args) throws IOException, InterruptedException {
        ProcessBuilder pb = dockerProcess(args);
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Path in = null;
        if (input != null) {
            in = Files.createTempFile(dir, "in", ".txt");
            Files.writeString(in, input, StandardCharsets.UTF_8);
            pb.redirectInput(in.toFile());
        }
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " did not finish in 120 s");
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        if (in != null) Files.delete(in);
        return r;
    }

    /** Runs the docker CLI and fails the test unless it exits 0. */
    public String dockerOk(String... args) throws IOException, InterruptedException {
        Result r = docker(args);
        if (r.exit() != 0) {
            throw new AssertionError("docker " + String.join(" ", args) + " exited " + r.exit() + ": " + r.both());
        }
        return r.out();
    }

    public static void eventually(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within " + timeout);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null && process.isAlive()) {
            if (stopped) sigcont();
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
