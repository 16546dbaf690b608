package io.shoal.agent.exec.oci;

import io.shoal.agent.image.Image;
import io.shoal.agent.image.ImageConfig;
import io.shoal.agent.image.ImageSource;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Json;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A busybox image built from the host's static busybox, tasks with per-run ids, and leftovers of earlier runs swept. */
final class OciTestSupport {
    /** Every directory, container id and cgroup a test run makes starts with this. */
    private static final SecureRandom RANDOM = new SecureRandom();
    static final String PREFIX = "shoalocit";
    static final String RUN_ID = PREFIX + randomAlnum(6);
    static final List<String> APPLETS = List.of("sh", "sleep", "ps", "hostname", "cat", "id", "pwd", "env", "wc",
            "head", "tail", "dd", "true", "false", "touch", "echo", "grep", "ls", "mkdir", "test", "[");

    /** The runtime the tests use ({@code -Dshoal.oci.runtime=runc|crun}); null: the executor's choice. */
    static final String RUNTIME = System.getProperty("shoal.oci.runtime");

    private static int counter;

    private OciTestSupport() {}

    /** Why the runc tests can't run here, or null when they can. */
    static String skipReason() {
        if (!"root".equals(System.getProperty("user.name"))) return "not root";
        if (!OciRuntime.anyInstalled()) return "neither crun nor runc is installed (apt-get install crun runc)";
        if (RUNTIME != null && OciRuntime.find(RUNTIME) == null) return RUNTIME + " is not installed (apt-get install " + RUNTIME + ")";
        if (!Files.isExecutable(Path.of("/bin/busybox"))) return "no /bin/busybox (apt-get install busybox-static)";
        return null;
    }

    /** One layer: bin/busybox with its applets, /etc/passwd with root and nobody (65534), /tmp. */
    static Path busyboxLayer(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String a : APPLETS) Files.createSymbolicLink(bin.resolve(a), Path.of("busybox"));
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nnogroup:x:65534:\n");
        for (String d : List.of("proc", "sys", "dev", "root")) Files.createDirectories(dir.resolve(d));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        new ProcessBuilder("chmod", "1777", tmp.toString()).start().onExit().join();
        return dir;
    }

    static ImageSource images(Path layer, ImageConfig config) {
        return (ref, auth) -> {
            if (!ref.startsWith("busybox")) throw new ImageSource.ImageUnavailableException("No such image: " + ref);
            return new Image("sha256:" + "0".repeat(64), List.of("busybox:latest"), List.of(), List.of(layer), config);
        };
    }

    /** A task id of 25 characters starting with the run id. */
    static synchronized String taskId() {
        String n = Integer.toString(counter++, 36);
        return RUN_ID + "x" + n + randomAlnum(25 - RUN_ID.length() - 1 - n.length());
    }

    /** A task whose ContainerSpec has {@code fields} (Engine API names) on top of Image busybox:latest. */
    static Task task(Map<String, Object> fields, TaskSpec.Resources resources) {
        var f = new HashMap<String, Object>(fields);
        f.put("Image", "busybox:latest");
        f.putIfAbsent("TTY", false);
        f.putIfAbsent("OpenStdin", false);
        f.putIfAbsent("ReadOnly", false);
        var container = Json.MAPPER.convertValue(f, ContainerSpec.class);
        var spec = new TaskSpec(null, container, null, resources, null, null, 0, null, null, null);
        return new Task(taskId(), null, null, null, "svc.1", null, spec, "svc", 1, "node-1",
                TaskStatus.of(TaskState.ASSIGNED, "assigned", Instant.now()), TaskState.RUNNING, null, null);
    }

    static Task sh(String script, Map<String, Object> extra) {
        var f = new HashMap<String, Object>(extra);
        f.put("Command", List.of("sh", "-c", script));
        return task(f, null);
    }

    /**
     * Removes what an earlier run left: its containers (in the runtime roots on the tmpfs of its
     * state dirs under the temp dir), overlay mounts, tmpfs and cgroups, all found by their prefix.
     */
    static void sweep(Path tmpRoot, String prefix, java.time.Duration olderThan) {
        long cutoff = System.currentTimeMillis() - olderThan.toMillis();
        try (var dirs = Files.list(tmpRoot)) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .filter(p -> p.toFile().lastModified() <= cutoff).toList()) {
                Path runDir = OciExecutor.runDir(d.resolve("state"));
                for (String runtime : OciRuntime.NAMES) {
                    Path root = runDir.resolve(runtime);
                    if (!Files.isDirectory(root)) continue;
                    try (var ids = Files.list(root)) {
                        for (Path id : ids.filter(Files::isDirectory).toList()) {
                            run(runtime, "--root", root.toString(), "delete", "--force", id.getFileName().toString());
                        }
                    }
                }
                if (Mounts.isMountPoint(runDir)) run("umount", "-l", runDir.toString());
                Files.deleteIfExists(runDir);
                for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                    String mp = line.split(" ")[4];
                    if (mp.startsWith(d.toString())) run("umount", "-l", mp);
                }
                run("rm", "-rf", "--one-file-system", d.toString());
            }
        } catch (IOException e) {
            System.out.println("sweep: " + e);
        }
        for (Path mp : Cgroups.mountPoints()) {
            Path shoal = mp.resolve("shoal");
            if (!Files.isDirectory(shoal)) continue;
            try (var cgs = Files.list(shoal)) {
                for (Path cg : cgs.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                    try {
                        Files.deleteIfExists(cg); // rmdir: a cgroup still in use stays
                    } catch (IOException e) {
                        System.out.println("sweep: " + cg + " is in use");
                    }
                }
            } catch (IOException e) {
                System.out.println("sweep: " + e);
            }
        }
    }

    static void run(String... argv) {
        try {
            new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            throw new RuntimeException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String randomAlnum(int n) {
        String chars = "abcdefghijklmnopqrstuvwxyz0123456789";
        var sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(chars.charAt(RANDOM.nextInt(chars.length())));
        return sb.toString();
    }
}
