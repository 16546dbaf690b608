package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** What a task runs; a service's TaskTemplate. A task's copy never changes after creation. */
public record TaskSpec(
        JsonNode pluginSpec,
        ContainerSpec containerSpec,
        JsonNode networkAttachmentSpec,
        Resources resources,
        RestartPolicy restartPolicy,
        Placement placement,
        long forceUpdate,
        String runtime,
        List<NetworkAttachmentConfig> networks,
        Driver logDriver) {

    public TaskSpec withNetworks(List<NetworkAttachmentConfig> n) {
        return new TaskSpec(pluginSpec, containerSpec, networkAttachmentSpec, resources, restartPolicy, placement, forceUpdate,
                runtime, n, logDriver);
    }

    public TaskSpec withContainerSpec(ContainerSpec c) {
        return new TaskSpec(pluginSpec, c, networkAttachmentSpec, resources, restartPolicy, placement, forceUpdate,
                runtime, networks, logDriver);
    }

    public record Resources(Limits limits, Reservations reservations, Long swapBytes, Long memorySwappiness) {}

    public record Limits(@JsonInclude(JsonInclude.Include.NON_DEFAULT) long nanoCPUs, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long memoryBytes, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long pids) {}

    public record Reservations(@JsonInclude(JsonInclude.Include.NON_DEFAULT) long nanoCPUs, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long memoryBytes, JsonNode genericResources) {}

    /** Durations in nanoseconds. */
    public record RestartPolicy(RestartCondition condition, Long delay, Long maxAttempts, Long window) {}

    public record Placement(
            List<String> constraints,
            List<Preference> preferences,
            @JsonInclude(JsonInclude.Include.NON_DEFAULT) long maxReplicas,
            List<Platform> platforms) {}

    public record Preference(Spread spread) {}

    public record Spread(String spreadDescriptor) {}

    public record NetworkAttachmentConfig(String target, List<String> aliases, Map<String, String> driverOpts) {

        public NetworkAttachmentConfig withTarget(String t) {
            return new NetworkAttachmentConfig(t, aliases, driverOpts);
        }
    }
}
