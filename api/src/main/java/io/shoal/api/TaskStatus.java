package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

public record TaskStatus(
        Instant timestamp,
        TaskState state,
        String message,
        String err,
        ContainerStatus containerStatus,
        PortStatus portStatus) {

    public record ContainerStatus(
            @JsonProperty("ContainerID") String containerId,
            @JsonProperty("PID") long pid,
            long exitCode) {}

    public record PortStatus(List<PortConfig> ports) {}

    public static TaskStatus of(TaskState state, String message, Instant at) {
        return new TaskStatus(at, state, message, null, null, null);
    }
}
