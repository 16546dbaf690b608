package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

public record ServiceSpec(
        String name,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels,
        TaskSpec taskTemplate,
        ServiceMode mode,
        UpdateConfig updateConfig,
        UpdateConfig rollbackConfig,
        List<TaskSpec.NetworkAttachmentConfig> networks,
        EndpointSpec endpointSpec) {

    /** Durations in nanoseconds. */
    public record UpdateConfig(Long parallelism, Long delay, FailureAction failureAction, Long monitor,
                               Double maxFailureRatio, UpdateOrder order) {}

    /** No ports and an empty list are one spec, as they are once written to JSON. */
    public record EndpointSpec(EndpointMode mode, List<PortConfig> ports) {
        public EndpointSpec {
            if (ports != null && ports.isEmpty()) ports = null;
        }
    }

    public ServiceSpec withMode(ServiceMode m) {
        return new ServiceSpec(name, labels, taskTemplate, m, updateConfig, rollbackConfig, networks, endpointSpec);
    }

    public ServiceSpec withTaskTemplate(TaskSpec t) {
        return new ServiceSpec(name, labels, t, mode, updateConfig, rollbackConfig, networks, endpointSpec);
    }

    public ServiceSpec withNetworks(List<TaskSpec.NetworkAttachmentConfig> n) {
        return new ServiceSpec(name, labels, taskTemplate, mode, updateConfig, rollbackConfig, n, endpointSpec);
    }

    public ServiceSpec withName(String n) {
        return new ServiceSpec(n, labels, taskTemplate, mode, updateConfig, rollbackConfig, networks, endpointSpec);
    }
}
