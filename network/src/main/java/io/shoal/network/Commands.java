package io.shoal.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs the kernel's tools, {@code ip} and {@code nft}, in a namespace: each call
 * is one process ({@code nsenter --net=P} execs the tool, so it adds an exec, not a process) fed a
 * whole batch or transaction on its standard input; nftables scripts go through libnftables on
 * the namespace thread instead, where the machine has it ({@link Nftables}), and a task's links and
 * peers are netlink requests ({@link Netlink}). Counts the processes
 * it starts, because they are what an operation costs here (tens of milliseconds each, the ioctls
 * microseconds).
 */
final class Commands {
    private static final long TIMEOUT_SECONDS = 30;
    private static final String[] DIRS = {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"};

    private final Path home;
    private final NamespaceThread thread;
    private final String ip, nft, nsenter;
    private final LongAdder started = new LongAdder();

    /** Tools that run in {@code home} when given no namespace (the process's own when it is null). */
    Commands(Path home, NamespaceThread thread) {
        this.home = home;
        this.thread = thread;
        this.ip = require("ip");
        this.nft = require("nft");
        this.nsenter = require("nsenter");
    }

    /** Which of the tools this machine lacks, if any. */
    static Optional<String> missing() {
        for (String tool : List.of("ip", "nft", "nsenter")) {
            if (find(tool).isEmpty()) return Optional.of(tool);
        }
        return Optional.empty();
    }

    /** {@code ip -batch -} in {@code netns} (home when null): the lines run in order, stopping at the first failure. */
    String ip(Path netns, String batch) throws IOException {
        return run(netns, batch, ip, "-batch", "-");
    }

    /** {@code nft -f -} in {@code netns} (home when null): the whole script is one transaction. */
    void nft(Path netns, String script) throws IOException {
        Optional<Nftables> lib = Nftables.library();
        if (lib.isEmpty()) {
            run(netns, script, nft, "-f", "-");
            return;
        }
        NamespaceThread.Body<Void> apply = () -> {
            lib.get().run(script);
            return null;
        };
        if (netns != null) thread.in(netns, apply);
        else thread.atHome(apply);
    }

    /** {@code ip ARGS} in {@code netns}, for what a batch does not print (listings). */
    String ipShow(Path netns, String... args) throws IOException {
        return run(netns, null, prepend(ip, args));
    }

    /** How many processes these commands have started. */
    long started() {
        return started.sum();
    }

    private String run(Path netns, String stdin, String... argv) throws IOException {
        Path where = netns != null ? netns : home;
        List<String> cmd = new ArrayList<>();
        if (where != null) cmd.addAll(List.of(nsenter, "--net=" + where));
        cmd.addAll(List.of(argv));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.increment();
        // Read beside the writing, so a tool that fills its output pipe cannot block our write.
        CompletableFuture<String> out = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            try (InputStream s = p.getInputStream()) {
                out.complete(new String(s.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                out.completeExceptionally(e);
            }
        });
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the tool exited without reading its input; its exit code says why
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String output = out.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + output.strip()
                        + (stdin == null ? "" : "\n  input:\n" + stdin.indent(4)));
            }
            return output;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + String.join(" ", cmd), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("reading the output of " + String.join(" ", cmd), e);
        }
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static String require(String tool) {
        return find(tool).orElseThrow(() -> new IllegalStateException("no " + tool + " command in " + String.join(", ", DIRS)));
    }

    static Optional<String> find(String tool) {
        for (String dir : DIRS) {
            if (Files.isExecutable(Path.of(dir + tool))) return Optional.of(dir + tool);
        }
        return Optional.empty();
    }
}
