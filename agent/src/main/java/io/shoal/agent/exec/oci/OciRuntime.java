package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The OCI runtime (runc or crun: they take the same commands and options for all this executor
 * does), called with this executor's own state root so that its containers are apart from anyone
 * else's. The root lies on the executor's tmpfs: crun keeps a copy of each container's
 * {@code config.json} (environment included) in it.
 */
record OciRuntime(String name, Path binary, Path root) {
    /** The runtimes this executor knows, the preferred first: crun starts a container in a third of runc's CPU time. */
    static final List<String> NAMES = List.of("crun", "runc");

    record Result(int code, String output) {
        boolean ok() {
            return code == 0;
        }
    }

    /** The runtime's binary on the PATH (or in the sbin dirs), or null. */
    static Path find(String name) {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin").split(":")) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** Whether any runtime this executor knows is installed. */
    static boolean anyInstalled() {
        return NAMES.stream().anyMatch(n -> find(n) != null);
    }

    /**
     * The runtime that holds container {@code id}: this one, or the other one known here when its
     * root (beside this one's, on the executor's tmpfs) has the container, as after a daemon
     * restarted with another runtime. Both keep a directory per container in their root.
     */
    OciRuntime holding(String id) {
        if (Files.isDirectory(root.resolve(id))) return this;
        for (String other : NAMES) {
            Path otherRoot = root.resolveSibling(other);
            Path binary = find(other);
            if (!other.equals(name) && binary != null && Files.isDirectory(otherRoot.resolve(id))) return new OciRuntime(other, binary, otherRoot);
        }
        return this;
    }

    /** The argv of a runtime command: {@code runc --root ROOT args...}. */
    List<String> argv(String... args) {
        List<String> a = new ArrayList<>(List.of(binary.toString(), "--root", root.toString()));
        a.addAll(List.of(args));
        return a;
    }

    Result run(String... args) throws IOException, InterruptedException {
        Process p = Launcher.start(new ProcessBuilder(argv(args)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-1, name + " " + args[0] + " timed out");
        }
        return new Result(p.exitValue(), out);
    }

    /** The status the runtime reports (created, running, paused, stopped), or null when it does not know the container. */
    String status(String id) throws IOException, InterruptedException {
        Result r = run("state", id);
        if (!r.ok()) return null;
        return OciSpec.OCI.readTree(r.output()).path("status").asText(null);
    }

    /** Whether the runtime's answer to kill or delete says the container is gone or ended already. */
    static boolean gone(Result r) {
        String o = r.output();
        return o.contains("does not exist") || o.contains("not running") || o.contains("No such file or directory");
    }
}
