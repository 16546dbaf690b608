package io.shoal.api;

import java.util.List;
import java.util.Map;

public record ServiceSpec(
        String name,
        Map<String, String> labels,
        TaskSpec taskTemplate,
        Mode mode,
        UpdateConfig updateConfig,
        UpdateConfig rollbackConfig,
        List<TaskSpec.NetworkAttachmentConfig> networks,
        EndpointSpec endpointSpec) {

    /** Exactly one member is set. */
    public record Mode(Replicated replicated, Global global, ReplicatedJob replicatedJob, GlobalJob globalJob) {}

    public record Replicated(Long replicas) {}

    public record Global() {}

    public record ReplicatedJob(Long maxConcurrent, Long totalCompletions) {}

    public record GlobalJob() {}

    /** FailureAction continue|pause|rollback, Order stop-first|start-first; durations in nanoseconds. */
    public record UpdateConfig(Long parallelism, Long delay, String failureAction, Long monitor,
                               Double maxFailureRatio, String order) {}

    /** Mode vip|dnsrr. */
    public record EndpointSpec(String mode, List<PortConfig> ports) {}

    public ServiceSpec withMode(Mode m) {
        return new ServiceSpec(name, labels, taskTemplate, m, updateConfig, rollbackConfig, networks, endpointSpec);
    }

    public ServiceSpec withTaskTemplate(TaskSpec t) {
        return new ServiceSpec(name, labels, t, mode, updateConfig, rollbackConfig, networks, endpointSpec);
    }
}
