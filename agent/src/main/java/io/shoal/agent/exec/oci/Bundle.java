package io.shoal.agent.exec.oci;

import io.shoal.common.FileTrees;
import io.shoal.agent.exec.ExecException;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A container's files in two places (see {@link OciExecutor}): {@code dir} on disk, {@code
 * <stateDir>/containers/<taskId>}, for what is big or must outlive a reboot (the root's upper dir,
 * the logs), and {@code run} on the executor's tmpfs, the OCI bundle proper: {@code config.json}
 * holds the task's environment in clear, so it never touches a disk, as containerd keeps its
 * bundles under /run. The runtime's pid file, its log and the exit status are there too: they
 * mean nothing after a reboot, as the container's processes do.
 *
 * <p>Prepare writes the bundle's files in place: nothing reads them before {@code plan.json}
 * exists, and a prepare cut short is done again. {@code plan.json} comes last, renamed into place,
 * so that its presence means prepared. It is not flushed to disk: a bundle is worth nothing after
 * the host's crash (its overlay mount and its container are gone, and prepare runs again), and a
 * flush on every start cost 0.25 ms here when idle, up to 5–7 ms with the disk busy.
 */
record Bundle(Path dir, Path run) {

    /** The container's root: the overlay of its image's layers under {@link #upper()}. */
    Path rootfs() {
        return dir.resolve("rootfs");
    }

    /** The container's own writes to its root. */
    Path upper() {
        return dir.resolve("upper");
    }

    /** overlayfs's work dir. */
    Path work() {
        return dir.resolve("work");
    }

    /** The lower dir of an image without layers. */
    Path emptyLayer() {
        return dir.resolve("empty");
    }

    Path config() {
        return run.resolve("config.json");
    }

    Path hostname() {
        return dir.resolve("hostname");
    }

    Path hosts() {
        return dir.resolve("hosts");
    }

    Path resolvConf() {
        return dir.resolve("resolv.conf");
    }

    /** The runtime's own log, JSON lines; see {@link RuntimeLog}. */
    Path runtimeLog() {
        return run.resolve("runtime.log");
    }

    /** The pid of the container's init, written by the runtime. */
    Path pidFile() {
        return run.resolve("pid");
    }

    Path stderr() {
        return dir.resolve("stderr.log");
    }

    /** The pid of the reaper that started the container (see {@link Reaper}), written before it is asked to. */
    Path reaperFile() {
        return run.resolve("reaper");
    }

    /** The container's exit status, written by its reaper when it ends; see {@link io.shoal.agent.exec.ExitFile}. */
    Path exitFile() {
        return run.resolve("exitcode");
    }

    /** The last health probe's outcome; see {@link HealthMonitor}. */
    Path healthFile() {
        return dir.resolve("health.json");
    }

    /** The pid of the health probe running in the container, to kill one that exceeds its timeout. */
    Path healthProbePidFile() {
        return dir.resolve("health.pid");
    }

    private Path planFile() {
        return run.resolve("plan.json");
    }

    boolean prepared() {
        return Files.exists(planFile());
    }

    /** Records what prepare decided; the last step of a prepare. */
    void writePlan(OciSpec.Plan plan) throws IOException {
        var meta = OciSpec.OCI.createObjectNode().put("stopSignal", plan.stopSignal()).put("cgroupsPath", plan.cgroupsPath());
        meta.set("healthCheck", OciSpec.OCI.valueToTree(plan.healthCheck()));
        FileTrees.replace(planFile(), meta.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** What prepare decided (without the config, which is in config.json); null before prepare. */
    OciSpec.Plan readPlan() {
        try {
            var n = OciSpec.OCI.readTree(planFile().toFile());
            var hc = n.path("healthCheck");
            return new OciSpec.Plan(null, n.path("stopSignal").asInt(15),
                    hc.isMissingNode() || hc.isNull() ? null : OciSpec.OCI.treeToValue(hc, OciSpec.HealthCheck.class),
                    n.path("cgroupsPath").asText());
        } catch (IOException e) {
            return null;
        }
    }

    /** Whether a reaper was ever asked to start the container (by this daemon or an earlier one). */
    boolean startOrdered() {
        return Files.exists(reaperFile());
    }

    /** Whether the runtime started the container's init: its pid file stays until the container is removed. */
    boolean initStarted() {
        return Files.exists(pidFile());
    }

    long reaperPid() throws ExecException {
        return readPid(reaperFile());
    }

    /** The pid of the container's init; see {@link #initStarted()}. */
    long initPid() throws ExecException {
        return readPid(pidFile());
    }

    private static long readPid(Path file) throws ExecException {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            throw new ExecException("task: reading " + file + ": " + e.getMessage(), e);
        }
    }
}
