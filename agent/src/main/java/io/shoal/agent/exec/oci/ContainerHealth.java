package io.shoal.agent.exec.oci;

import io.shoal.agent.exec.ExecException;
import io.shoal.agent.exec.Stop;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A container's health check over its controller's life: the {@link HealthMonitor} that probes
 * while the container runs, and whether it found the container unhealthy. As Docker's swarm
 * executor does, an unhealthy container is stopped and its task fails with "container is
 * unhealthy".
 */
final class ContainerHealth {
    private static final Logger LOG = LoggerFactory.getLogger(ContainerHealth.class);

    private final OciRuntime runtime;
    private final String id;
    private final Bundle bundle;
    private final BooleanSupplier containerRunning;
    private final Stop.Step stopContainer;
    private HealthMonitor monitor; // guarded by this; made on the first start
    private volatile boolean unhealthy;

    ContainerHealth(OciRuntime runtime, String id, Bundle bundle, BooleanSupplier containerRunning, Stop.Step stopContainer) {
        this.runtime = runtime;
        this.id = id;
        this.bundle = bundle;
        this.containerRunning = containerRunning;
        this.stopContainer = stopContainer;
    }

    /** Probes while the container runs, if {@code check} has a command; nothing when it probes already. */
    synchronized void start(OciSpec.HealthCheck check) {
        if (monitor == null) {
            if (check == null || check.command() == null) return;
            monitor = new HealthMonitor(check, runtime, id, bundle, containerRunning, this::onUnhealthy);
        }
        if (containerRunning.getAsBoolean()) monitor.start();
    }

    synchronized void stop() {
        if (monitor != null) monitor.stop();
    }

    /** NONE without a check, else STARTING, HEALTHY or UNHEALTHY: the probes' verdict, or before them the one last recorded. */
    synchronized Health state(OciSpec.HealthCheck check) {
        if (monitor != null) return monitor.state();
        if (check == null) return Health.NONE;
        return new HealthMonitor(check, runtime, id, bundle, () -> false, () -> {}).state();
    }

    /** Whether the probes of this controller found the container unhealthy (and stopped it). */
    boolean foundUnhealthy() {
        return unhealthy;
    }

    private void onUnhealthy() {
        unhealthy = true;
        try {
            stopContainer.run();
        } catch (ExecException e) {
            LOG.warn("task {}: stopping the unhealthy container: {}", id, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
