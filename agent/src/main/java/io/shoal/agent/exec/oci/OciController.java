package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.ExecException;
import io.shoal.agent.exec.Exit;
import io.shoal.agent.exec.ExitFile;
import io.shoal.agent.exec.Stop;
import io.shoal.agent.exec.TaskDependencies;
import io.shoal.agent.exec.TaskController;
import io.shoal.agent.exec.TaskNetworking;
import io.shoal.agent.image.Image;
import io.shoal.agent.image.ImageSource;
import io.shoal.api.Defaults;
import io.shoal.api.Task;
import io.shoal.common.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task as an OCI container in its {@link Bundle}. Besides the {@link TaskController} steps it
 * tells the container's {@link #health()}.
 */
public final class OciController implements TaskController {
    private static final Logger LOG = LoggerFactory.getLogger(OciController.class);
    private static final long KILL_TIMEOUT_SECONDS = 10;
    private static final long START_TIMEOUT_SECONDS = 60;
    private static final Path HOST_RESOLV_CONF = Path.of("/etc/resolv.conf");
    private static final Path HOST_HOSTS = Path.of("/etc/hosts");
    /** The resolver of a container on overlay networks: its sandbox's own, at Docker's address. */
    private static final String EMBEDDED_DNS = "nameserver 127.0.0.11\noptions ndots:0\n";

    private final Task task;
    private final String id;
    private final Bundle bundle;
    private final OciExecutor.Env env;
    private final ContainerHealth health;
    private final TaskDependencies dependencies;
    private Started started; // guarded by this; null until started here or found on disk
    private OciSpec.Plan plan; // guarded by this; null until prepared here or read from the bundle
    /** Whether this controller attached the task to its networks (else it adopted a container whose resolver died with a daemon). */
    private volatile boolean attached;

    /** The container's end as its reaper tells it (its exit file is written then, unless the reaper died) and its init process. */
    private record Started(CompletableFuture<?> ended, long pid) {}

    OciController(Task task, Bundle bundle, OciExecutor.Env env, TaskDependencies dependencies) {
        this.task = task;
        this.dependencies = dependencies;
        this.id = task.id();
        this.bundle = bundle;
        this.env = env;
        this.health = new ContainerHealth(env.runtime().holding(id), id, bundle, () -> {
            Started s = started;
            return s != null && !s.ended().isDone();
        }, this::shutdown);
    }

    @Override
    public String healthStatus() {
        return health().dockerName();
    }

    @Override
    public Path logDirectory() {
        return bundle();
    }

    /** The bundle directory: config.json, rootfs, stdout.log, stderr.log, ... */
    public Path bundle() {
        return bundle.dir();
    }

    /** The OCI bundle the runtime is given, on the executor's tmpfs. */
    Path runtimeBundle() {
        return bundle.run();
    }

    /** The container's health: NONE without a health check, else STARTING, HEALTHY or UNHEALTHY. */
    public synchronized Health health() {
        OciSpec.Plan p = plan();
        return health.state(p == null ? null : p.healthCheck());
    }

    @Override
    public void prepare() throws ExecException {
        // The sandbox (namespace, interfaces, resolver) and the root file system need nothing of each
        // other: made side by side, a start waits for the longer of the two rather than for both.
        FutureTask<Path> sandbox = new FutureTask<>(() -> env.networking().attach(task));
        Thread.ofVirtual().name("attach-" + id).start(sandbox);
        Image image;
        try {
            image = mountImage();
        } finally {
            awaitUninterruptibly(sandbox);
        }
        Path netns = attachment(sandbox);
        attached = true;
        if (image == null) return;
        try {
            var host = new OciSpec.Host(bundle.rootfs(), bundle.hosts(), bundle.hostname(),
                    netns != null || Files.isRegularFile(HOST_RESOLV_CONF) ? bundle.resolvConf() : null,
                    env::volume, env.initBinary(), netns, env.payloads().write(task, dependencies));
            OciSpec.Plan p;
            try {
                p = OciSpec.plan(task, image.config(), host);
            } catch (IllegalArgumentException e) {
                throw new ExecException(e.getMessage(), e);
            }
            String hostname = p.config().path("hostname").asText();
            Files.writeString(bundle.hostname(), hostname + "\n");
            Files.writeString(bundle.hosts(), hosts(hostname));
            if (netns != null) Files.writeString(bundle.resolvConf(), EMBEDDED_DNS);
            else if (host.resolvConf() != null) Files.copy(HOST_RESOLV_CONF, bundle.resolvConf(), StandardCopyOption.REPLACE_EXISTING);
            Files.write(bundle.config(), OciSpec.OCI.writeValueAsBytes(p.config()));
            bundle.writePlan(p); // last: its presence means prepared
            synchronized (this) {
                plan = p;
            }
        } catch (IOException e) {
            throw new ExecException("preparing the container: " + e.getMessage(), e);
        }
    }

    /** Mounts the root file system from the task's image and returns the image; null when the task was prepared before. */
    private Image mountImage() throws ExecException {
        Path rootfs = bundle.rootfs();
        if (bundle.prepared() && Mounts.isMountPoint(rootfs)) return null;
        if (task.spec() == null || task.spec().containerSpec() == null) throw new ExecException("task has no container spec");
        Image image;
        try {
            image = env.images().get(task.spec().containerSpec().image(), null);
        } catch (ImageSource.ImageUnavailableException e) {
            throw new ExecException(e.getMessage(), e);
        }
        try {
            for (Path d : List.of(rootfs, bundle.upper(), bundle.work(), bundle.run())) Files.createDirectories(d);
            if (!Mounts.isMountPoint(rootfs)) mountRootfs(image, rootfs);
        } catch (IOException e) {
            throw new ExecException("preparing the container: " + e.getMessage(), e);
        }
        return image;
    }

    /** Waits for {@code work} to end, however it ends; an interrupt meanwhile is kept for the caller. */
    private static void awaitUninterruptibly(FutureTask<?> work) {
        boolean interrupted = false;
        while (!work.isDone()) {
            try {
                work.get();
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                break;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }

    /** The sandbox's namespace (null on the host's network), or why the task could not be attached; {@code sandbox} has ended. */
    private static Path attachment(FutureTask<Path> sandbox) throws ExecException {
        if (sandbox.state() == Future.State.SUCCESS) return sandbox.resultNow();
        Throwable e = sandbox.exceptionNow();
        if (e instanceof ExecException x) throw x;
        if (e instanceof RuntimeException r) throw r;
        if (e instanceof Error r) throw r;
        throw new ExecException("attaching the task to its networks: " + e, e);
    }

    /**
     * The container's /etc/hosts: the host's for host networking; otherwise localhost and its own
     * overlay addresses under its hostname, as Docker writes them (none: its hostname is localhost).
     */
    private String hosts(String hostname) throws IOException {
        if (TaskNetworking.onHostNetwork(task) && Files.isRegularFile(HOST_HOSTS)) return Files.readString(HOST_HOSTS);
        StringBuilder own = new StringBuilder();
        if (task.networksAttachments() != null) {
            for (var a : task.networksAttachments()) {
                if (a.addresses() == null) continue;
                for (String cidr : a.addresses()) own.append(cidr, 0, cidr.indexOf('/')).append('\t').append(hostname).append('\n');
            }
        }
        if (own.isEmpty()) return "127.0.0.1\tlocalhost " + hostname + "\n::1\tlocalhost ip6-localhost ip6-loopback\n";
        return "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" + own;
    }

    private void mountRootfs(Image image, Path rootfs) throws IOException, ExecException {
        List<String> lower = new ArrayList<>();
        for (Path layer : image.layers().reversed()) lower.add(layer.toAbsolutePath().toString());
        if (lower.isEmpty()) lower.add(Files.createDirectories(bundle.emptyLayer()).toString());
        for (String l : lower) {
            if (l.contains(",") || l.contains(":")) throw new ExecException("layer path " + l + " can't be given to overlayfs");
        }
        String options = "lowerdir=" + String.join(":", lower) + ",upperdir=" + bundle.upper() + ",workdir=" + bundle.work();
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
                Reaper.Run run = env.reaper().start(id, bundle.reaperFile());
                int code;
                try {
                    code = run.started().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    throw new ExecException("starting container failed: " + env.runtime().name() + " did not start it within "
                            + START_TIMEOUT_SECONDS + "s");
                } catch (ExecutionException e) {
                    throw new ExecException("starting container failed: " + e.getCause(), e);
                }
                if (code != 0 || !bundle.initStarted()) {
                    started = new Started(run.ended(), 0);
                    throw new ExecException("starting container failed: "
                            + (code < 0 ? "the container reaper died" : RuntimeLog.lastError(bundle)));
                }
                started = new Started(run.ended(), bundle.initPid());
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
        if (!attached) reattach();
        try {
            s.ended().get();
        } catch (ExecutionException e) {
            throw new ExecException("task: waiting for exit: " + e.getCause(), e);
        }
        health.stop();
        env.networking().detach(task); // its address may go to another task now: nothing here may answer for it
        OptionalInt code = ExitFile.read(bundle.exitFile());
        if (code.isEmpty()) {
            // The reaper died (killed by hand, say) but the container may still run: it must not
            // outlive its task, or the slot would hold two containers.
            try {
                env.runtime().holding(id).run("kill", id, "KILL");
                env.runtime().holding(id).run("delete", "--force", id);
            } catch (IOException io) {
                LOG.warn("could not remove container {} after its reaper died: {}", id, io.getMessage());
            }
            throw ExitFile.unknown();
        }
        if (!bundle.initStarted()) throw new ExecException("starting container failed: " + RuntimeLog.lastError(bundle));
        if (health.foundUnhealthy() || health() == Health.UNHEALTHY) throw new ExecException("task: container is unhealthy");
        OciSpec.Plan p = plan();
        return new Exit(code.getAsInt(), p != null && Cgroups.oomKilled(p.cgroupsPath()));
    }

    @Override
    public void shutdown() throws ExecException, InterruptedException {
        Started s = running();
        if (s == null) return;
        health.stop();
        OciSpec.Plan p = plan();
        Stop.gracefully(s.ended(), Defaults.stopGracePeriod(task.spec().containerSpec()),
                () -> kill(Integer.toString(p == null ? 15 : p.stopSignal())), this::terminate);
    }

    @Override
    public void terminate() throws ExecException, InterruptedException {
        Started s = running();
        if (s == null) return;
        health.stop();
        kill("KILL");
        try {
            s.ended().get(KILL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            throw new ExecException("task: container " + id + " did not exit after SIGKILL");
        }
    }

    @Override
    public void remove() throws ExecException, InterruptedException {
        terminate();
        health.stop();
        env.networking().detach(task);
        OciSpec.Plan p = plan();
        try {
            OciRuntime runtime = env.runtime().holding(id);
            OciRuntime.Result r = runtime.run("delete", "--force", id);
            if (!r.ok() && !OciRuntime.gone(r)) {
                throw new ExecException("removing container: " + runtime.name() + " delete: " + r.output());
            }
            Path rootfs = bundle.rootfs();
            if (Mounts.isMountPoint(rootfs)) {
                try {
                    Mounts.unmount(rootfs);
                } catch (IOException e) {
                    throw new ExecException("removing container: unmounting its root file system: " + e.getMessage(), e);
                }
            }
            if (p != null) {
                var left = Cgroups.remove(p.cgroupsPath());
                if (!left.isEmpty()) throw new ExecException("removing container: cgroups still in use: " + left);
            }
            if (Mounts.isMountPoint(rootfs)) throw new ExecException("removing container: " + rootfs + " is still mounted");
            FileTrees.delete(bundle.dir());
            FileTrees.delete(bundle.run());
            env.payloads().delete(id);
        } catch (IOException e) {
            throw new ExecException("removing container: " + e.getMessage(), e);
        }
        synchronized (this) {
            started = null;
            plan = null;
        }
    }

    @Override
    public synchronized long pid() {
        try {
            Started s = started();
            if (s != null && s.pid() == 0 && bundle.initStarted()) {
                // adopted while the runtime was still starting it (the daemon died in between)
                started = s = new Started(s.ended(), bundle.initPid());
            }
            return s == null ? 0 : s.pid();
        } catch (ExecException e) {
            return 0;
        }
    }

    /**
     * Attaches the running container's sandbox again (done at once when nothing is missing): after a
     * daemon restart its namespace and interfaces are still there, but its resolver died with the
     * daemon. A failure leaves the container running, only without names.
     */
    private void reattach() {
        try {
            env.networking().attach(task);
        } catch (ExecException e) {
            LOG.warn("task {}: its network attachment could not be renewed: {}", id, e.getMessage());
        }
    }

    private void startHealth() {
        OciSpec.Plan p = plan();
        health.start(p == null ? null : p.healthCheck());
    }

    /** What prepare decided, from memory or from the bundle; null before prepare. */
    private synchronized OciSpec.Plan plan() {
        if (plan == null) plan = bundle.readPlan();
        return plan;
    }

    private synchronized Started running() throws ExecException {
        Started s = started();
        return s == null || s.ended().isDone() ? null : s;
    }

    /** What this controller started, or what an earlier one (of this daemon or an earlier one) did, re-adopted from the bundle. */
    private synchronized Started started() throws ExecException {
        if (started == null && bundle.startOrdered()) {
            started = new Started(env.reaper().adopt(bundle.reaperPid(), bundle.exitFile()), bundle.initStarted() ? bundle.initPid() : 0);
        }
        return started;
    }

    private void kill(String signal) throws ExecException, InterruptedException {
        try {
            OciRuntime runtime = env.runtime().holding(id);
            OciRuntime.Result r = runtime.run("kill", id, signal);
            // A container that ended meanwhile is no error: the caller waits for its end anyway.
            if (!r.ok() && running() != null && !OciRuntime.gone(r)) {
                throw new ExecException("task: " + runtime.name() + " kill " + signal + ": " + r.output());
            }
        } catch (IOException e) {
            throw new ExecException("task: " + env.runtime().name() + " kill: " + e.getMessage(), e);
        }
    }
}
