package io.shoal.agent.exec.oci;

import io.shoal.common.FileTrees;
import io.shoal.agent.exec.ExecException;
import io.shoal.agent.exec.Exit;
import io.shoal.agent.exec.Stop;
import io.shoal.agent.exec.TaskController;
import io.shoal.agent.image.Image;
import io.shoal.agent.image.ImageSource;
import io.shoal.api.Defaults;
import io.shoal.api.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task as a runc container; see {@link OciExecutor} for the files of its bundle. Besides the
 * {@link TaskController} steps it tells the container's {@link #health()}.
 */
public final class OciController implements TaskController {
    private static final Logger LOG = LoggerFactory.getLogger(OciController.class);
    private static final long KILL_TIMEOUT_SECONDS = 10;
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Task task;
    private final String id;
    private final Path bundle;
    /** runc's pid file for the container's init; it exists once the container runs. */
    private final Path pidFile;
    private final OciExecutor.Env env;
    private Started started; // guarded by this; null until started here or found on disk
    private HealthMonitor health; // guarded by this
    private volatile boolean unhealthy;

    /** The monitor (whose end means exitcode is written) and the container's init process. */
    private record Started(CompletableFuture<?> monitorExit, long pid) {}

    OciController(Task task, Path bundle, OciExecutor.Env env) {
        this.task = task;
        this.id = task.id();
        this.bundle = bundle;
        this.env = env;
        this.pidFile = env.pidFiles().of(id);
    }

    /** The bundle directory: config.json, rootfs, stdout.log, stderr.log, ... */
    @Override
    public String healthStatus() {
        return health().dockerName();
    }

    @Override
    public Path logDirectory() {
        return bundle();
    }

    public Path bundle() {
        return bundle;
    }

    /** The container's health: NONE without a health check, else STARTING, HEALTHY or UNHEALTHY. */
    public synchronized Health health() {
        if (health != null) return health.state();
        OciSpec.HealthCheck hc = plan() == null ? null : plan().healthCheck();
        if (hc == null) return Health.NONE;
        return new HealthMonitor(hc, env.runc(), id, bundle, () -> false, () -> {}).state();
    }

    @Override
    public void prepare() throws ExecException {
        Path rootfs = bundle.resolve("rootfs");
        if (Files.exists(bundle.resolve("plan.json")) && Mounts.isMountPoint(rootfs)) return;
        if (task.spec() == null || task.spec().containerSpec() == null) throw new ExecException("task has no container spec");
        Image image;
        try {
            image = env.images().get(task.spec().containerSpec().image(), null);
        } catch (ImageSource.ImageUnavailableException e) {
            throw new ExecException(e.getMessage(), e);
        }
        try {
            for (String d : List.of("rootfs", "upper", "work")) Files.createDirectories(bundle.resolve(d));
            if (!Mounts.isMountPoint(rootfs)) mountRootfs(image, rootfs);
            var host = new OciSpec.Host(rootfs, bundle.resolve("hosts"), bundle.resolve("hostname"),
                    Files.isRegularFile(Path.of("/etc/resolv.conf")) ? bundle.resolve("resolv.conf") : null,
                    env::volume, env.initBinary());
            OciSpec.Plan plan;
            try {
                plan = OciSpec.plan(task, image.config(), host);
            } catch (IllegalArgumentException e) {
                throw new ExecException(e.getMessage(), e);
            }
            String hostname = plan.config().path("hostname").asText();
            boolean hostNet = OciSpec.hostNetwork(task);
            // Written in place: nothing reads them before plan.json exists, and a prepare cut short is done again.
            Files.writeString(bundle.resolve("hostname"), hostname + "\n");
            Files.writeString(bundle.resolve("hosts"), hostNet && Files.isRegularFile(Path.of("/etc/hosts")) ? Files.readString(Path.of("/etc/hosts"))
                    : "127.0.0.1\tlocalhost " + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n");
            if (host.resolvConf() != null) Files.copy(Path.of("/etc/resolv.conf"), bundle.resolve("resolv.conf"), StandardCopyOption.REPLACE_EXISTING);
            Files.write(bundle.resolve("config.json"), OciSpec.OCI.writeValueAsBytes(plan.config()));
            var meta = OciSpec.OCI.createObjectNode().put("stopSignal", plan.stopSignal()).put("cgroupsPath", plan.cgroupsPath());
            meta.set("healthCheck", OciSpec.OCI.valueToTree(plan.healthCheck()));
            writeAtomically("plan.json", meta.toString()); // last: its presence means prepared
            synchronized (this) {
                cachedPlan = plan;
            }
        } catch (IOException e) {
            throw new ExecException("preparing the container: " + e.getMessage(), e);
        }
    }

    private void mountRootfs(Image image, Path rootfs) throws IOException, ExecException {
        List<String> lower = new ArrayList<>();
        for (Path layer : image.layers().reversed()) lower.add(layer.toAbsolutePath().toString());
        if (lower.isEmpty()) lower.add(Files.createDirectories(bundle.resolve("empty")).toString());
        for (String l : lower) {
            if (l.contains(",") || l.contains(":")) throw new ExecException("layer path " + l + " can't be given to overlayfs");
        }
        String options = "lowerdir=" + String.join(":", lower) + ",upperdir=" + bundle.resolve("upper") + ",workdir=" + bundle.resolve("work");
        if (options.length() > 4000) throw new ExecException("too many image layers for one overlay mount (" + lower.size() + ")");
        try {
            Mounts.overlay(options, rootfs);
        } catch (IOException e) {
            throw new ExecException("mounting the container's root file system: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void start() throws ExecException {
        if (started() != null) {
            startHealth();
            return;
        }
        if (plan() == null) throw new ExecException("task: container not prepared");
        try {
            env.starts().acquire();
            try {
                CompletableFuture<Void> running = env.pidFiles().appearance(id);
                CompletableFuture<Void> ended;
                try {
                    ended = env.monitors().start(id);
                    CompletableFuture.anyOf(running, ended).get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    throw new ExecException("starting container failed: runc did not start it within " + START_TIMEOUT_SECONDS + "s");
                } catch (ExecutionException e) {
                    throw new ExecException("starting container failed: " + e.getCause(), e);
                } finally {
                    running.cancel(false);
                }
                if (!Files.exists(pidFile)) {
                    started = new Started(ended, 0);
                    throw new ExecException("starting container failed: " + runcError());
                }
                // A monitor killed by hand tells nothing: its process's end is watched too.
                started = new Started(CompletableFuture.anyOf(ended, monitorProcessExit()), readPid(pidFile));
            } finally {
                env.starts().release();
            }
            startHealth();
        } catch (IOException e) {
            throw new ExecException("starting container failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ExecException("starting container: interrupted", e);
        }
    }

    @Override
    public Exit await() throws ExecException, InterruptedException {
        Started s;
        synchronized (this) {
            s = started();
            if (s != null) startHealth();
        }
        if (s == null) throw new ExecException("task: not started");
        try {
            s.monitorExit().get();
        } catch (ExecutionException e) {
            throw new ExecException("task: waiting for exit: " + e.getCause(), e);
        }
        stopHealth();
        int code;
        try {
            code = Integer.parseInt(Files.readString(bundle.resolve("exitcode")).strip());
        } catch (NoSuchFileException e) {
            // The monitor died (killed by hand, say) but the container may still run: it must not
            // outlive its task, or the slot would hold two containers.
            try {
                env.runc().run("kill", id, "KILL");
                env.runc().run("delete", "--force", id);
            } catch (IOException io) {
                LOG.warn("could not remove container {} after its monitor died: {}", id, io.getMessage());
            }
            throw new ExecException("task: exit status unknown: its monitor process ended without recording it");
        } catch (IOException | NumberFormatException e) {
            throw new ExecException("task: reading exit status: " + e.getMessage(), e);
        }
        if (!Files.exists(pidFile)) throw new ExecException("starting container failed: " + runcError());
        if (unhealthy || health() == Health.UNHEALTHY) throw new ExecException("task: container is unhealthy");
        OciSpec.Plan plan = plan();
        return new Exit(code, plan != null && Cgroups.oomKilled(plan.cgroupsPath()));
    }

    @Override
    public void shutdown() throws ExecException, InterruptedException {
        Started s = running();
        if (s == null) return;
        stopHealth();
        OciSpec.Plan plan = plan();
        Stop.gracefully(s.monitorExit(), Defaults.stopGracePeriod(task.spec().containerSpec()),
                () -> kill(Integer.toString(plan == null ? 15 : plan.stopSignal())), this::terminate);
    }

    @Override
    public void terminate() throws ExecException, InterruptedException {
        Started s = running();
        if (s == null) return;
        stopHealth();
        kill("KILL");
        try {
            s.monitorExit().get(KILL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new ExecException("task: container " + id + " did not exit after SIGKILL");
        }
    }

    @Override
    public void remove() throws ExecException, InterruptedException {
        terminate();
        stopHealth();
        OciSpec.Plan plan = plan();
        try {
            Runc.Result r = env.runc().run("delete", "--force", id);
            if (!r.ok() && !r.output().contains("does not exist")) throw new ExecException("removing container: runc delete: " + r.output());
            Path rootfs = bundle.resolve("rootfs");
            if (Mounts.isMountPoint(rootfs)) {
                try {
                    Mounts.unmount(rootfs);
                } catch (IOException e) {
                    throw new ExecException("removing container: unmounting its root file system: " + e.getMessage(), e);
                }
            }
            if (plan != null) {
                var left = Cgroups.remove(plan.cgroupsPath());
                if (!left.isEmpty()) throw new ExecException("removing container: cgroups still in use: " + left);
            }
            if (Mounts.isMountPoint(rootfs)) throw new ExecException("removing container: " + rootfs + " is still mounted");
            FileTrees.delete(bundle);
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new ExecException("removing container: " + e.getMessage(), e);
        }
        synchronized (this) {
            started = null;
            cachedPlan = null;
        }
    }

    @Override
    public synchronized long pid() {
        try {
            Started s = started();
            if (s != null && s.pid() == 0 && Files.exists(pidFile)) {
                // adopted while runc was still starting it (the daemon died in between)
                started = s = new Started(s.monitorExit(), readPid(pidFile));
            }
            return s == null ? 0 : s.pid();
        } catch (ExecException e) {
            return 0;
        }
    }

    // ---- health

    private void startHealth() {
        if (health == null) {
            OciSpec.Plan plan = plan();
            if (plan == null || plan.healthCheck() == null || plan.healthCheck().command() == null) return;
            health = new HealthMonitor(plan.healthCheck(), env.runc(), id, bundle,
                    () -> {
                        Started s = started;
                        return s != null && !s.monitorExit().isDone();
                    },
                    this::onUnhealthy);
        }
        Started s = started;
        if (s != null && !s.monitorExit().isDone()) health.start();
    }

    private synchronized void stopHealth() {
        if (health != null) health.stop();
    }

    /** As Docker's swarm executor: an unhealthy container is stopped and its task fails with "container is unhealthy". */
    private void onUnhealthy() {
        unhealthy = true;
        try {
            shutdown();
        } catch (ExecException e) {
            System.getLogger(OciController.class.getName()).log(System.Logger.Level.WARNING,
                    "task " + id + ": stopping the unhealthy container: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- state on disk

    private OciSpec.Plan cachedPlan; // guarded by this

    /** What prepare decided, from memory or from plan.json; null before prepare. */
    private synchronized OciSpec.Plan plan() {
        if (cachedPlan == null) {
            try {
                var n = OciSpec.OCI.readTree(bundle.resolve("plan.json").toFile());
                var hc = n.path("healthCheck");
                cachedPlan = new OciSpec.Plan(null, n.path("stopSignal").asInt(15),
                        hc.isMissingNode() || hc.isNull() ? null : OciSpec.OCI.treeToValue(hc, OciSpec.HealthCheck.class),
                        n.path("cgroupsPath").asText());
            } catch (IOException e) {
                return null;
            }
        }
        return cachedPlan;
    }

    private synchronized Started running() throws ExecException {
        Started s = started();
        return s == null || s.monitorExit().isDone() ? null : s;
    }

    /** What this controller started, or what an earlier daemon started, re-adopted from the monitor file. */
    private synchronized Started started() throws ExecException {
        if (started == null && Files.exists(bundle.resolve("monitor"))) {
            started = new Started(monitorProcessExit(), Files.exists(pidFile) ? readPid(pidFile) : 0);
        }
        return started;
    }

    /** The end of the monitor process named in the bundle's {@code monitor} file (done if it is gone). */
    private CompletableFuture<?> monitorProcessExit() throws ExecException {
        return env.monitors().processEnd(readPid(bundle.resolve("monitor")), bundle);
    }

    private static long readPid(Path file) throws ExecException {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            throw new ExecException("task: reading " + file + ": " + e.getMessage(), e);
        }
    }

    private void kill(String signal) throws ExecException, InterruptedException {
        try {
            Runc.Result r = env.runc().run("kill", id, signal);
            // A container that ended meanwhile is no error: the caller waits for its monitor anyway.
            if (!r.ok() && running() != null && !r.output().contains("not running") && !r.output().contains("does not exist")) {
                throw new ExecException("task: runc kill " + signal + ": " + r.output());
            }
        } catch (IOException e) {
            throw new ExecException("task: runc kill: " + e.getMessage(), e);
        }
    }

    /** runc's own error, from the JSON log it keeps in the bundle (its last "error" entry). */
    private String runcError() {
        String msg = null;
        try {
            for (String line : Files.readAllLines(bundle.resolve("runc.log"))) {
                try {
                    var n = OciSpec.OCI.readTree(line);
                    if ("error".equals(n.path("level").asText()) || "fatal".equals(n.path("level").asText())) msg = n.path("msg").asText();
                } catch (IOException e) {
                    // not JSON
                }
            }
        } catch (IOException e) {
            // no log
        }
        if (msg == null) {
            try {
                msg = Files.readString(bundle.resolve("stderr.log")).strip();
            } catch (IOException e) {
                msg = "";
            }
        }
        return msg.isEmpty() ? "runc exited without starting the container" : msg;
    }

    private void writeAtomically(String name, String content) throws IOException {
        Path tmp = bundle.resolve(name + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, bundle.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
