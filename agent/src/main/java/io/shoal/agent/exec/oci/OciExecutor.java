package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.Executor;
import io.shoal.agent.exec.NodeFacts;
import io.shoal.agent.exec.PayloadFiles;
import io.shoal.agent.exec.TaskDependencies;
import io.shoal.agent.exec.TaskIds;
import io.shoal.agent.exec.TaskNetworking;
import io.shoal.agent.image.ImageSource;
import io.shoal.api.Node;
import io.shoal.api.Task;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each task as an OCI container (crun, or runc) over an overlayfs root made of its image's layers.
 *
 * <p>State on disk, {@code <stateDir>}: {@code containers/<taskId>} holds what a container writes
 * and what must outlive a reboot: {@code rootfs} (the overlay mount), {@code upper} and {@code work}
 * (the container's own writes), {@code stdout.log}/{@code stderr.log} (its output, see agent.logs),
 * {@code hostname}, {@code hosts} and {@code resolv.conf} (bind-mounted into /etc), {@code
 * health.json} (the last health probe's outcome); {@code volumes/<name>} the named local volumes
 * (created on first use, kept after their containers).
 *
 * <p>State on the executor's own tmpfs, {@link #runDir} ({@code /run/shoal/oci-<hash of the state
 * dir>}, as containerd keeps its bundles under /run): {@code containers/<taskId>} is the OCI bundle
 * the runtime is given, {@code config.json} (from {@link OciSpec}: the task's environment in clear,
 * which must never reach a disk), {@code plan.json} (stop signal, health check, cgroup path), the
 * runtime's {@code pid} file and {@code runtime.log}, {@code reaper} (who started it) and {@code
 * exitcode}; {@code <runtime name>} is the runtime's own root ({@code --root}: crun copies each
 * config.json there), {@code data-dir} names the state dir it belongs to. The tmpfs stays while the
 * daemon restarts (containers outlive it) and goes with a reboot, as the containers' processes do;
 * the runtime's O_SYNC write of the pid file costs nothing there.
 *
 * <p>Containers start detached: no runtime process stays. One {@link Reaper} per node, which
 * outlives the daemon, collects their ends and writes their exit statuses; the cgroup stays until
 * {@code remove()} (the runtime's delete), so an OOM kill can still be read after the exit.
 *
 * <p>{@code Init}: the host's static tini ({@code docker-init} or Debian's {@code tini-static}) is
 * bind-mounted at {@code /sbin/docker-init} and made pid 1, as Docker does; without one on the host
 * a task asking for Init is rejected with a message saying so.
 */
public final class OciExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(OciExecutor.class);
    private static final List<Path> INIT_CANDIDATES = List.of(Path.of("/usr/bin/docker-init"),
            Path.of("/sbin/docker-init"), Path.of("/usr/libexec/docker/docker-init"), Path.of("/usr/bin/tini-static"));
    private static final Path RUN_BASE = Path.of("/run/shoal");

    /** Containers started at once; see {@link Env}. */
    public static final int CONCURRENT_STARTS = Math.max(2, Runtime.getRuntime().availableProcessors());

    private final Path stateDir;
    private final Path runDir;
    private final String hostname;
    private final String engineVersion;
    private final Map<String, String> engineLabels;
    private final Env env;

    /**
     * What every controller shares: the image source, the runtime, the reaper, and the permits for
     * starting containers. A start is CPU-bound (the runtime's cgroup, namespace and mount work):
     * fifty at once on two cores thrash, and every one finishes late, where a few at a time finish
     * early one after another.
     */
    record Env(ImageSource images, OciRuntime runtime, Path volumes, Reaper reaper, Path initBinary,
               Semaphore starts, TaskNetworking networking, PayloadFiles payloads) {
        Path volume(String name) {
            Path d = volumes.resolve(name);
            try {
                Files.createDirectories(d);
            } catch (IOException e) {
                throw new IllegalArgumentException("creating volume " + name + ": " + e.getMessage(), e);
            }
            return d;
        }
    }

    /**
     * @param runtime "crun", "runc", or null for crun when installed and usable here, else runc
     * @throws IllegalStateException when the runtime is missing or cannot work on this host's cgroups; see {@link #available()}
     */
    public OciExecutor(Path stateDir, ImageSource images, String hostname, String engineVersion, Map<String, String> engineLabels,
                       TaskNetworking networking, String runtime) {
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.runDir = runDir(this.stateDir);
        this.hostname = hostname;
        this.engineVersion = engineVersion;
        this.engineLabels = Map.copyOf(engineLabels);
        String name = chooseRuntime(runtime);
        try {
            Files.createDirectories(this.stateDir.resolve("containers"));
            Files.createDirectories(this.stateDir.resolve("volumes"));
            Files.createDirectories(runDir);
            if (!Mounts.isMountPoint(runDir)) Mounts.tmpfs("mode=0700", runDir);
            Files.createDirectories(runDir.resolve("containers"));
            Files.createDirectories(runDir.resolve(name));
            Files.writeString(runDir.resolve("data-dir"), this.stateDir + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path init = INIT_CANDIDATES.stream().filter(Files::isExecutable).findFirst().orElse(null);
        OciRuntime r = new OciRuntime(name, OciRuntime.find(name), runDir.resolve(name));
        this.env = new Env(images, r, this.stateDir.resolve("volumes"), new Reaper(this.stateDir.resolve("containers"), runDir, r),
                init, new Semaphore(CONCURRENT_STARTS), networking, new PayloadFiles(runDir.resolve("files"), hostname));
    }

    /**
     * The runtime asked for, or the preferred one that works here. crun needs this host's hybrid
     * cgroup layout made acceptable first ({@link Cgroups#detachControllersFromUnified}); when that
     * fails, crun asked for by name is an error and crun by default gives way to runc, saying why.
     */
    private static String chooseRuntime(String asked) {
        if (asked != null && !OciRuntime.NAMES.contains(asked)) {
            throw new IllegalStateException("unknown runtime " + asked + " (known: " + String.join(", ", OciRuntime.NAMES) + ")");
        }
        for (String name : asked != null ? List.of(asked) : OciRuntime.NAMES) {
            if (OciRuntime.find(name) == null) {
                if (asked != null) throw new IllegalStateException("runtime " + name + " is not installed (Debian package " + name + ")");
                continue;
            }
            if (name.equals("crun")) {
                String why = Cgroups.detachControllersFromUnified();
                if (why != null) {
                    if (asked != null) throw new IllegalStateException("crun cannot run on this host's cgroups: " + why);
                    LOG.warn("crun cannot run on this host's cgroups ({}); using runc", why);
                    continue;
                }
            }
            return name;
        }
        throw new IllegalStateException("the oci executor needs crun or runc (Debian packages crun, runc)");
    }

    /** Whether this host can run the oci executor: root and crun or runc on the PATH. */
    public static boolean available() {
        return "root".equals(System.getProperty("user.name")) && OciRuntime.anyInstalled();
    }

    @Override
    public String runtime() {
        return env.runtime().name();
    }

    @Override
    public Node.Description describe() {
        return NodeFacts.describe(hostname, engineVersion, engineLabels, env.networking().plugins());
    }

    @Override
    public TaskNetworking networking() {
        return env.networking();
    }

    /**
     * The executor's tmpfs for state dir {@code stateDir}: under /run/shoal, named by a hash of the
     * state dir's path (daemons of different data dirs, tests among them, keep apart).
     */
    public static Path runDir(Path stateDir) {
        String path = stateDir.toAbsolutePath().normalize().toString();
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(path.getBytes(StandardCharsets.UTF_8));
            return RUN_BASE.resolve("oci-" + HexFormat.of().formatHex(h, 0, 8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public OciController controller(Task task) {
        return controller(task, TaskDependencies.NONE);
    }

    @Override
    public OciController controller(Task task, TaskDependencies dependencies) {
        String id = TaskIds.check(task.id());
        return new OciController(task, new Bundle(stateDir.resolve("containers").resolve(id), runDir.resolve("containers").resolve(id)), env,
                dependencies);
    }
}
