package io.shoal.testkit;

import io.shoal.testkit.DaemonProcess.Result;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Runs short host commands ({@code ip}, {@code nsenter}) and says clearly why one failed. */
public final class Exec {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private Exec() {}

    /** Runs {@code cmd} with {@code stdin} (or none) and returns its exit code and output. */
    public static Result run(List<String> cmd, String stdin, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(cmd).start();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the command exited without reading its input; its exit code says why
        }
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", cmd) + " did not finish within " + timeout);
            }
            return new Result(p.exitValue(), out.get(), err.get());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + String.join(" ", cmd), e);
        } catch (ExecutionException e) {
            throw new IOException("reading the output of " + String.join(" ", cmd), e.getCause());
        }
    }

    /** Runs {@code cmd} and returns its standard output, or throws with its error output. */
    static String ok(List<String> cmd, String stdin) throws IOException {
        Result r = run(cmd, stdin, DEFAULT_TIMEOUT);
        if (r.exit() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.err().strip()
                    + (stdin == null ? "" : "\n  input:\n" + stdin.indent(4)));
        }
        return r.out();
    }

    static String ok(String... cmd) throws IOException {
        return ok(List.of(cmd), null);
    }

    /** The first of {@code candidates} that is an executable file. */
    static Optional<String> find(String... candidates) {
        for (String c : candidates) {
            if (Files.isExecutable(Path.of(c))) return Optional.of(c);
        }
        return Optional.empty();
    }

    private static CompletableFuture<String> drain(InputStream s) {
        CompletableFuture<String> f = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            try (s) {
                f.complete(new String(s.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                f.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return f;
    }
}
