package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;

public record Node(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        Spec spec,
        Description description,
        Status status,
        ManagerStatus managerStatus) implements StoredObject {

    /** Role worker|manager, Availability active|pause|drain. */
    public record Spec(String name, Map<String, String> labels, String role, String availability) {}

    public record Description(String hostname, Platform platform, Resources resources, Engine engine,
                              @JsonProperty("TLSInfo") TlsInfo tlsInfo) {}

    public record Resources(long nanoCPUs, long memoryBytes) {}

    public record Engine(String engineVersion, Map<String, String> labels, List<Map<String, String>> plugins) {}

    public record TlsInfo(String trustRoot, String certIssuerSubject, String certIssuerPublicKey) {}

    /** State unknown|down|ready|disconnected. */
    public record Status(String state, String message, String addr) {}

    /** Reachability unknown|unreachable|reachable. */
    public record ManagerStatus(boolean leader, String reachability, String addr) {}

    @Override
    public Node committed(Version v, Instant now) {
        return new Node(id, v, createdAt == null ? now : createdAt, now, spec, description, status, managerStatus);
    }

    public Node withSpec(Spec s) {
        return new Node(id, version, createdAt, updatedAt, s, description, status, managerStatus);
    }

    public Node withDescription(Description d) {
        return new Node(id, version, createdAt, updatedAt, spec, d, status, managerStatus);
    }

    public Node withStatus(Status s) {
        return new Node(id, version, createdAt, updatedAt, spec, description, s, managerStatus);
    }


    public Node withManagerStatus(ManagerStatus m) {
        return new Node(id, version, createdAt, updatedAt, spec, description, status, m);
    }

    /**
     * The role the swarm's CA certifies this node for (swarmkit's Node.Role, beside the desired
     * Spec.Role): a manager while it is a member of the Raft group (it has a ManagerStatus) or is
     * to become one. A demoted manager stays one until the leader has removed it from the group,
     * so it never stops its Raft member while the group still counts on it.
     */
    public String certifiedRole() {
        return managerStatus != null || "manager".equals(spec.role()) ? "manager" : "worker";
    }

    public boolean isReady() {
        return status != null && "ready".equals(status.state());
    }

    /** Missed its heartbeats (or left): what runs there is out of the managers' reach. */
    public boolean isDown() {
        return status != null && "down".equals(status.state());
    }

    public String hostname() {
        return description == null ? null : description.hostname();
    }
}
