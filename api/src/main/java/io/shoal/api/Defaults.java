package io.shoal.api;

import java.time.Duration;

/**
 * swarmkit's defaults (api/defaults/service.go, manager/dispatcher). Specs are stored as the user
 * wrote them, the way Docker does; the defaults apply where a spec is read.
 */
public final class Defaults {
    public static final long STOP_GRACE_PERIOD = Duration.ofSeconds(10).toNanos();
    public static final long RESTART_DELAY = Duration.ofSeconds(5).toNanos();
    public static final long UPDATE_MONITOR = Duration.ofSeconds(5).toNanos();
    public static final long TASK_HISTORY_LIMIT = 5;
    public static final long HEARTBEAT_PERIOD = Duration.ofSeconds(5).toNanos();
    public static final long NODE_CERT_EXPIRY = Duration.ofHours(2160).toNanos();
    public static final int DATA_PATH_PORT = 4789;

    private Defaults() {}

    public static TaskSpec.RestartPolicy restartPolicy(TaskSpec spec) {
        var p = spec == null ? null : spec.restartPolicy();
        return new TaskSpec.RestartPolicy(
                p == null || p.condition() == null ? RestartCondition.ANY : p.condition(),
                p == null || p.delay() == null ? RESTART_DELAY : p.delay(),
                p == null || p.maxAttempts() == null ? 0L : p.maxAttempts(),
                p == null || p.window() == null ? 0L : p.window());
    }

    public static ServiceSpec.UpdateConfig updateConfig(ServiceSpec.UpdateConfig u) {
        return new ServiceSpec.UpdateConfig(
                u == null || u.parallelism() == null ? 1L : u.parallelism(),
                u == null || u.delay() == null ? 0L : u.delay(),
                u == null || u.failureAction() == null ? FailureAction.PAUSE : u.failureAction(),
                u == null || u.monitor() == null || u.monitor() == 0 ? UPDATE_MONITOR : u.monitor(),
                u == null || u.maxFailureRatio() == null ? 0.0 : u.maxFailureRatio(),
                u == null || u.order() == null ? UpdateOrder.STOP_FIRST : u.order());
    }

    public static long stopGracePeriod(ContainerSpec c) {
        return c == null || c.stopGracePeriod() == null ? STOP_GRACE_PERIOD : c.stopGracePeriod();
    }

    public static SwarmSpec swarmSpec() {
        return new SwarmSpec("default", null,
                new SwarmSpec.Orchestration(TASK_HISTORY_LIMIT),
                new SwarmSpec.Raft(10000, 0L, 500, 10, 1),
                new SwarmSpec.Dispatcher(HEARTBEAT_PERIOD),
                new SwarmSpec.CaConfig(NODE_CERT_EXPIRY, null, null, null, 0),
                new SwarmSpec.EncryptionConfig(false),
                new SwarmSpec.TaskDefaults(null));
    }

    /** A swarm spec with what the user left out taken from {@link #swarmSpec()}. */
    public static SwarmSpec fillSwarmSpec(SwarmSpec s) {
        SwarmSpec d = swarmSpec();
        if (s == null) return d;
        var o = s.orchestration() == null || s.orchestration().taskHistoryRetentionLimit() == null
                ? d.orchestration() : s.orchestration();
        var r = s.raft() == null ? d.raft() : new SwarmSpec.Raft(
                s.raft().snapshotInterval() == 0 ? d.raft().snapshotInterval() : s.raft().snapshotInterval(),
                s.raft().keepOldSnapshots() == null ? d.raft().keepOldSnapshots() : s.raft().keepOldSnapshots(),
                s.raft().logEntriesForSlowFollowers() == 0 ? d.raft().logEntriesForSlowFollowers() : s.raft().logEntriesForSlowFollowers(),
                s.raft().electionTick() == 0 ? d.raft().electionTick() : s.raft().electionTick(),
                s.raft().heartbeatTick() == 0 ? d.raft().heartbeatTick() : s.raft().heartbeatTick());
        var disp = s.dispatcher() == null || s.dispatcher().heartbeatPeriod() == null || s.dispatcher().heartbeatPeriod() == 0
                ? d.dispatcher() : s.dispatcher();
        var ca = s.caConfig() == null ? d.caConfig() : new SwarmSpec.CaConfig(
                s.caConfig().nodeCertExpiry() == null || s.caConfig().nodeCertExpiry() == 0
                        ? NODE_CERT_EXPIRY : s.caConfig().nodeCertExpiry(),
                s.caConfig().externalCAs(), s.caConfig().signingCACert(), s.caConfig().signingCAKey(),
                s.caConfig().forceRotate());
        return new SwarmSpec(s.name() == null || s.name().isEmpty() ? d.name() : s.name(), s.labels(), o, r, disp, ca,
                s.encryptionConfig() == null ? d.encryptionConfig() : s.encryptionConfig(),
                s.taskDefaults() == null ? d.taskDefaults() : s.taskDefaults());
    }
}
