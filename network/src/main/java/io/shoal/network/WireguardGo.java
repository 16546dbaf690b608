package io.shoal.network;

import io.shoal.network.wireguard.Uapi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's userspace WireGuard, one process per tunnel. {@code wireguard-go IFNAME} makes a TUN
 * device and its configuration socket, forks a daemon that keeps both and exits; the daemon
 * outlives the data plane (as containers do) and stops when its socket file is deleted, taking its
 * TUN device with it. Sockets of every namespace share {@value #SOCKETS}, so names are unique per
 * machine.
 */
final class WireguardGo {
    static final Path SOCKETS = Path.of("/var/run/wireguard");
    private static final Path TUN = Path.of("/dev/net/tun");
    private static final Duration START = Duration.ofSeconds(10), STOP = Duration.ofSeconds(5);
    private static final String PROGRAM = "wireguard-go";

    private WireguardGo() {}

    /** What this machine lacks to run it: the program, {@code setsid}, or the TUN device. */
    static Optional<String> missing() {
        if (Commands.find(PROGRAM).isEmpty()) return Optional.of("no wireguard-go command (Debian package wireguard-go)");
        if (Commands.find("setsid").isEmpty()) return Optional.of("no setsid command (util-linux)");
        if (!Files.exists(TUN)) return Optional.of("no " + TUN + " (the tun module)");
        return Optional.empty();
    }

    static Uapi uapi(String ifname) {
        return new Uapi(SOCKETS.resolve(ifname + ".sock"));
    }

    /**
     * Starts a tunnel named {@code ifname} whose UDP socket lives in {@code home} (the process's
     * own namespace when null) and returns once its configuration socket answers: the daemon
     * accepts its first connection only when its device is made, so the TUN device can be moved.
     */
    static void start(Path home, String ifname) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (home != null) cmd.addAll(List.of(Commands.find("nsenter").orElseThrow(), "--net=" + home));
        // Its own session: a signal to the daemon's process group must not stop the encrypted networks.
        cmd.addAll(List.of(Commands.find("setsid").orElseThrow(), Commands.find(PROGRAM).orElseThrow(), ifname));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        // With a log level the daemon would keep our pipe as its output, and the start would never end.
        pb.environment().remove("LOG_LEVEL");
        pb.environment().remove("WG_PROCESS_FOREGROUND");
        Process p = pb.start();
        p.getOutputStream().close();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(START.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(PROGRAM + " " + ifname + " did not start within " + START.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted starting " + PROGRAM + " " + ifname, e);
        }
        if (p.exitValue() != 0) throw new IOException(PROGRAM + " " + ifname + " exited " + p.exitValue() + ": " + output.strip());
        long deadline = System.nanoTime() + START.toNanos();
        Uapi uapi = uapi(ifname);
        while (!uapi.answers()) {
            if (System.nanoTime() > deadline) throw new IOException(PROGRAM + " " + ifname + " does not answer on " + uapi.socket());
            sleep(Duration.ofMillis(10));
        }
    }

    /**
     * Stops the tunnel named {@code ifname} and waits until its process is gone: deleting its
     * socket file ends it; one that does not end is killed by its pid.
     */
    static void stop(String ifname) throws IOException {
        Files.deleteIfExists(uapi(ifname).socket());
        long deadline = System.nanoTime() + STOP.toNanos();
        List<ProcessHandle> running;
        while (!(running = processes(ifname)).isEmpty() && System.nanoTime() < deadline) sleep(Duration.ofMillis(20));
        for (ProcessHandle p : running) {
            p.destroyForcibly();
            try {
                p.onExit().get(STOP.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IOException(PROGRAM + " " + ifname + " (pid " + p.pid() + ") did not stop", e);
            }
        }
    }

    /** The names of the tunnels, running or with a socket file left, whose names end with {@code suffix}. */
    static Set<String> named(String suffix) throws IOException {
        Set<String> names = new HashSet<>();
        if (Files.isDirectory(SOCKETS)) {
            try (Stream<Path> files = Files.list(SOCKETS)) {
                files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(suffix + ".sock"))
                        .forEach(f -> names.add(f.substring(0, f.length() - ".sock".length())));
            }
        }
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.map(WireguardGo::tunnelName).flatMap(Optional::stream).filter(n -> n.endsWith(suffix)).forEach(names::add);
        }
        return names;
    }

    /** The processes running the tunnel {@code ifname}. */
    static List<ProcessHandle> processes(String ifname) throws IOException {
        List<ProcessHandle> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.toList()) {
                if (tunnelName(proc).filter(ifname::equals).isPresent()) {
                    ProcessHandle.of(Long.parseLong(proc.getFileName().toString())).ifPresent(found::add);
                }
            }
        }
        return found;
    }

    /** The tunnel a {@code /proc/PID} runs when it is {@code wireguard-go IFNAME}. */
    private static Optional<String> tunnelName(Path proc) {
        if (!proc.getFileName().toString().chars().allMatch(Character::isDigit)) return Optional.empty();
        try {
            String[] argv = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8).split("\0");
            if (argv.length == 2 && Path.of(argv[0]).getFileName().toString().equals(PROGRAM)) return Optional.of(argv[1]);
        } catch (NoSuchFileException e) {
            // exited meanwhile
        } catch (IOException | RuntimeException e) {
            // a kernel thread, or a process we may not read
        }
        return Optional.empty();
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
