package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.Launcher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** runc, called with this executor's own state root so that its containers are apart from anyone else's. */
record Runc(Path binary, Path root) {
    record Result(int code, String output) {
        boolean ok() {
            return code == 0;
        }
    }

    static Path find() {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin:/usr/bin").split(":")) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, "runc");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /** The argv of a runc command: {@code runc --root ROOT args...}. */
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
            return new Result(-1, "runc " + args[0] + " timed out");
        }
        return new Result(p.exitValue(), out);
    }

    /** The status runc reports (created, running, paused, stopped), or null when runc does not know the container. */
    String status(String id) throws IOException, InterruptedException {
        Result r = run("state", id);
        if (!r.ok()) return null;
        return OciSpec.OCI.readTree(r.output()).path("status").asText(null);
    }
}
