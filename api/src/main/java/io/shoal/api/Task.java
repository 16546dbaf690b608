package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One unit of work: a container for one slot (replicated) or one node (global) of a service.
 *
 * @param endpoint its service's endpoint (spec, allocated published ports, VIPs) when the task was
 *                 made, as swarmkit's Task.Endpoint: how a node knows the task's host-mode ports,
 *                 and how the orchestrators tell a task made before the endpoint changed
 */
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
        Version jobIteration,
        @JsonInclude(JsonInclude.Include.NON_NULL) Service.Endpoint endpoint) implements StoredObject {

    /** A task of a service without an endpoint. */
    public Task(String id, Version version, Instant createdAt, Instant updatedAt, String name, Map<String, String> labels,
                TaskSpec spec, String serviceId, long slot, String nodeId, TaskStatus status, TaskState desiredState,
                List<NetworkAttachment> networksAttachments, Version jobIteration) {
        this(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, nodeId, status, desiredState,
                networksAttachments, jobIteration, null);
    }

    /** A network the task is attached to, as it was when the task's addresses were allocated, and the task's address on it ({@code 10.0.1.5/24}). */
    public record NetworkAttachment(Network network, List<String> addresses) {}

    @Override
    public Task committed(Version v, Instant now) {
        return new Task(id, v, createdAt == null ? now : createdAt, now, name, labels, spec, serviceId, slot,
                nodeId, status, desiredState, networksAttachments, jobIteration, endpoint);
    }

    public Task withStatus(TaskStatus s) {
        return new Task(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, nodeId, s,
                desiredState, networksAttachments, jobIteration, endpoint);
    }

    public Task withDesiredState(TaskState d) {
        return new Task(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, nodeId, status, d,
                networksAttachments, jobIteration, endpoint);
    }

    public Task withNodeId(String n) {
        return new Task(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, n, status,
                desiredState, networksAttachments, jobIteration, endpoint);
    }

    public Task withNetworksAttachments(List<NetworkAttachment> a) {
        return new Task(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, nodeId, status,
                desiredState, a, jobIteration, endpoint);
    }

    public Task withEndpoint(Service.Endpoint e) {
        return new Task(id, version, createdAt, updatedAt, name, labels, spec, serviceId, slot, nodeId, status,
                desiredState, networksAttachments, jobIteration, e);
    }

    /** Publishes a port through the routing mesh, so it is attached to the ingress network. */
    public boolean publishesIngress() {
        return endpoint != null && endpoint.publishesIngress();
    }

    public TaskState state() {
        return status.state();
    }

    /**
     * Holds its network addresses: it runs or may still run. A task that has ended, or was told to
     * stop before a node took it, never runs again, so its addresses are free for others; it keeps
     * them in its record for users to read.
     */
    public boolean holdsAddresses() {
        return !state().isTerminal() && (isRunnable() || !state().isBefore(TaskState.ASSIGNED));
    }

    /** Desired to run (or about to be, or to run to completion: a job's task), as opposed to told to stop. */
    public boolean isRunnable() {
        return !desiredState.isAfter(TaskState.COMPLETE);
    }
}
