package io.shoal.agent.exec;

import io.shoal.api.Config;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Secret;
import io.shoal.api.Task;
import io.shoal.common.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * A task's secrets and configs as files, under {@code root} (a tmpfs: they are never written to
 * the node's disk), one directory per task ({@code <root>/<taskId>}, root's alone), a file per
 * reference with the owner and mode it asks for; the executor bind-mounts each file read-only at
 * its target. The files stay while the task's container does, across daemon restarts, so a
 * re-adopted container keeps them; they go with the task.
 */
public final class PayloadFiles {
    /** Where a secret whose target is a bare name goes, as in Docker. */
    public static final String SECRETS_DIR = "/run/secrets";
    private static final long DEFAULT_MODE = 0444;

    /** A file to show the container: {@code source} on the host at {@code target} inside it. */
    public record FileMount(String target, Path source) {}

    private final Path root;
    private final String hostname;

    /** @param hostname this node's, for config templates */
    public PayloadFiles(Path root, String hostname) {
        this.root = root;
        this.hostname = hostname;
    }

    /** Whether the task refers to any secret or config. */
    public static boolean refersToAny(Task task) {
        ContainerSpec c = task.spec() == null ? null : task.spec().containerSpec();
        return c != null && (c.secrets() != null && !c.secrets().isEmpty() || c.configs() != null && !c.configs().isEmpty());
    }

    /**
     * Writes the task's files (again, if they are there already) and returns where to mount them.
     * A secret or config the node does not hold fails the task: the dispatcher sends each with the
     * first task that refers to it, so that means it was removed meanwhile.
     */
    public List<FileMount> write(Task task, TaskDependencies deps) throws ExecException {
        if (!refersToAny(task)) return List.of();
        ContainerSpec c = task.spec().containerSpec();
        Path dir = root.resolve(TaskIds.check(task.id()));
        List<FileMount> out = new ArrayList<>();
        try {
            Files.createDirectories(root);
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(EnumSet.of(
                        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)));
            }
            Templates templates = new Templates(task, hostname, deps);
            int i = 0;
            if (c.secrets() != null) {
                for (var ref : c.secrets()) {
                    Secret s = deps.secret(ref.secretId());
                    if (s == null) throw new ExecException("secret " + ref.secretName() + " (" + ref.secretId() + ") is not available on this node");
                    byte[] data = templates.expand(s.spec().templating(), s.spec().data());
                    out.add(new FileMount(target(SECRETS_DIR, ref.file().name()), place(dir.resolve("secret-" + i++), data, ref.file())));
                }
            }
            i = 0;
            if (c.configs() != null) {
                for (var ref : c.configs()) {
                    Config cf = deps.config(ref.configId());
                    if (cf == null) throw new ExecException("config " + ref.configName() + " (" + ref.configId() + ") is not available on this node");
                    byte[] data = templates.expand(cf.spec().templating(), cf.spec().data());
                    out.add(new FileMount(target("/", ref.file().name()), place(dir.resolve("config-" + i++), data, ref.file())));
                }
            }
        } catch (IOException e) {
            throw new ExecException("writing the task's secrets and configs: " + e.getMessage(), e);
        }
        return out;
    }

    /** An absolute target stays; a relative one goes under {@code base}. */
    static String target(String base, String name) {
        return name.startsWith("/") ? Path.of(name).normalize().toString() : Path.of(base, name).normalize().toString();
    }

    private static Path place(Path f, byte[] data, ContainerSpec.FileTarget target) throws IOException, ExecException {
        Files.write(f, data);
        int uid = id("uid", target.uid());
        int gid = id("gid", target.gid());
        Files.setAttribute(f, "unix:uid", uid);
        Files.setAttribute(f, "unix:gid", gid);
        Files.setAttribute(f, "unix:mode", (int) ((target.mode() == 0 ? DEFAULT_MODE : target.mode()) & 07777));
        return f;
    }

    private static int id(String what, String value) throws ExecException {
        if (value == null || value.isEmpty()) return 0;
        try {
            int n = Integer.parseInt(value);
            if (n < 0) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new ExecException("invalid " + what + " " + value + ": a number is needed");
        }
    }

    /** Removes the task's files (nothing when it had none). */
    public void delete(String taskId) throws IOException {
        FileTrees.delete(root.resolve(TaskIds.check(taskId)));
    }
}
