package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.shoal.pki.IssuerInfo;
import io.shoal.pki.NodeRole;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A member of the swarm.
 *
 * @param attachments its addresses on swarm networks (swarmkit's node attachments): one on the
 *                    ingress network while there is one, where the routing mesh meets the node
 */
public record Node(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        Spec spec,
        Description description,
        Status status,
        ManagerStatus managerStatus,
        List<Task.NetworkAttachment> attachments) implements StoredObject {

    /** A node without network attachments, as it joins. */
    public Node(String id, Version version, Instant createdAt, Instant updatedAt, Spec spec, Description description,
                Status status, ManagerStatus managerStatus) {
        this(id, version, createdAt, updatedAt, spec, description, status, managerStatus, null);
    }

    public record Spec(String name, @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels, NodeRole role, NodeAvailability availability) {}

    public record Description(String hostname, Platform platform, Resources resources, Engine engine,
                              @JsonProperty("TLSInfo") TlsInfo tlsInfo) {
        public Description withTlsInfo(TlsInfo t) {
            return new Description(hostname, platform, resources, engine, t);
        }
    }

    public record Resources(@JsonInclude(JsonInclude.Include.NON_DEFAULT) long nanoCPUs, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long memoryBytes) {}

    public record Engine(String engineVersion, Map<String, String> labels, List<PluginDescription> plugins) {}

    /** A plugin the node's engine offers, such as {@code {Type: "Network", Name: "overlay"}}. */
    public record PluginDescription(String type, String name) {
        /** What a node reports when it can carry overlay networks; the scheduler places tasks on networks only there. */
        public static final PluginDescription OVERLAY = new PluginDescription("Network", "overlay");

        /**
         * What a node reports when it can carry encrypted overlay networks (its data plane runs
         * WireGuard tunnels); the scheduler gives tasks on encrypted networks only to such nodes.
         */
        public static final PluginDescription ENCRYPTED_OVERLAY = new PluginDescription("Network", "overlay-encrypted");
    }

    /**
     * The roots a node trusts (PEM) and who issued its certificate (DER subject and public key, base64
     * as Go writes bytes); on the swarm, the root and the issuer every node is to have.
     */
    public record TlsInfo(String trustRoot, String certIssuerSubject, String certIssuerPublicKey) {
        public TlsInfo(String trustRoot, IssuerInfo issuer) {
            this(trustRoot, issuer.subject(), issuer.publicKey());
        }

        public IssuerInfo issuer() {
            return new IssuerInfo(certIssuerSubject, certIssuerPublicKey);
        }
    }

    public record Status(NodeState state, String message, String addr) {}

    public record ManagerStatus(@JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean leader, Reachability reachability, String addr) {}

    @Override
    public Node committed(Version v, Instant now) {
        return new Node(id, v, createdAt == null ? now : createdAt, now, spec, description, status, managerStatus, attachments);
    }

    public Node withSpec(Spec s) {
        return new Node(id, version, createdAt, updatedAt, s, description, status, managerStatus, attachments);
    }

    public Node withDescription(Description d) {
        return new Node(id, version, createdAt, updatedAt, spec, d, status, managerStatus, attachments);
    }

    public Node withStatus(Status s) {
        return new Node(id, version, createdAt, updatedAt, spec, description, s, managerStatus, attachments);
    }


    public Node withManagerStatus(ManagerStatus m) {
        return new Node(id, version, createdAt, updatedAt, spec, description, status, m, attachments);
    }

    public Node withAttachments(List<Task.NetworkAttachment> a) {
        return new Node(id, version, createdAt, updatedAt, spec, description, status, managerStatus, a);
    }

    /** Its address on a network, as a CIDR, or null when it has none there. */
    public String addressOn(String networkId) {
        if (attachments == null) return null;
        for (Task.NetworkAttachment a : attachments) {
            if (a.network() != null && networkId.equals(a.network().id()) && a.addresses() != null && !a.addresses().isEmpty()) {
                return a.addresses().getFirst();
            }
        }
        return null;
    }

    /**
     * The role the swarm's CA certifies this node for (swarmkit's Node.Role, beside the desired
     * Spec.Role): a manager while it is a member of the Raft group (it has a ManagerStatus) or is
     * to become one. A demoted manager stays one until the leader has removed it from the group,
     * so it never stops its Raft member while the group still counts on it.
     */
    public NodeRole certifiedRole() {
        return managerStatus != null || spec.role() == NodeRole.MANAGER ? NodeRole.MANAGER : NodeRole.WORKER;
    }

    public boolean isReady() {
        return status != null && status.state() == NodeState.READY;
    }

    /** Missed its heartbeats (or left): what runs there is out of the managers' reach. */
    public boolean isDown() {
        return status != null && status.state() == NodeState.DOWN;
    }

    /** Its availability, active unless set otherwise (swarmkit's zero value). */
    public NodeAvailability availability() {
        return spec == null || spec.availability() == null ? NodeAvailability.ACTIVE : spec.availability();
    }

    /**
     * Whether the managers may give this node new tasks: it is ready and active. The scheduler's
     * first filter and the global orchestrator ask this, and nothing else decides it.
     */
    public boolean takesTasks() {
        return isReady() && availability() == NodeAvailability.ACTIVE;
    }

    public String hostname() {
        return description == null ? null : description.hostname();
    }
}
