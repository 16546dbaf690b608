package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One unit of work: a container for one slot (replicated) or one node (global) of a service. */
public record Task(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        String name,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels,
        TaskSpec spec,
        @JsonProperty("ServiceID") String serviceId,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) long slot,
        @JsonProperty("NodeID") String nodeId,
        TaskStatus status,
        TaskState desiredState,
        List<NetworkAttachment> networksAttachments,
        Version jobIteration) implements StoredObject {

    public record NetworkAttachment(JsonNode network, List<String> addresses) {}

    @Override
    public Task committed(Version v, Instant now) {
        return new Task(id, v, createdAt == null ? now : createdAt, now, name, labels, spec, serviceId, slot,
                nodeId, status, desiredState, networksAttachments, jobIteration);
    }

    public Task withStatus(TaskStatus s) {
        return new Task(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, nodeId, s,
                desiredState, networksAttachments, jobIteration);
    }

    public Task withDesiredState(TaskState d) {
        return new Task(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, nodeId, status, d,
                networksAttachments, jobIteration);
    }

    public Task withNodeId(String n) {
        return new Task(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, n, status,
                desiredState, networksAttachments, jobIteration);
    }

    public TaskState state() {
        return status.state();
    }

    /** Desired to run (or about to be), as opposed to told to stop. */
    public boolean isRunnable() {
        return !desiredState.isAfter(TaskState.RUNNING);
    }
}
