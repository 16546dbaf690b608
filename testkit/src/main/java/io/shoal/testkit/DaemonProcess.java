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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real {@code shoal daemon} in its own JVM (the process executor unless {@link #executor} says otherwise, a small heap), driven like a
 * user drives it: through the docker CLI or raw Engine API calls on its socket. It can be
 * killed with SIGKILL and started again on the same data dir.
 */
public final class DaemonProcess implements AutoCloseable {
    public static final String DOCKER = "/usr/local/bin/docker";

    public record Result(int exit, String out, String err) {
        public String both() {
            return out + err;
        }
    }

    private final Path dir;
    private final Path socket;
    private final String listenAddr;
    private String executor = "process";
    private Process process;

    public DaemonProcess(Path dir) throws IOException {
        this.dir = dir;
        this.socket = dir.resolve("shoal.sock");
        this.listenAddr = "127.0.0.1:" + freePort();
    }

    /** Chooses the daemon's {@code --executor} (default {@code process}); takes effect at the next {@link #start()}. */
    public DaemonProcess executor(String executor) {
        this.executor = executor;
        return this;
    }

    public static boolean dockerCliPresent() {
        return new File(DOCKER).canExecute();
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
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                "io.shoal.daemon.Main", "daemon",
                "--data-dir", dataDir().toString(), "--socket", socket.toString(),
                "--listen-addr", listenAddr, "--advertise-addr", "127.0.0.1",
                "--executor", executor, "--hostname", "shoal-test"));
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

    /** Runs the docker CLI against this daemon. */
    public Result docker(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(DOCKER);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DOCKER_HOST", "unix://" + socket);
        pb.environment().put("DOCKER_CONFIG", dir.resolve("docker-config").toString());
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " did not finish in 120 s");
        }
        Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
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
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) process.destroyForcibly();
        }
    }
}
