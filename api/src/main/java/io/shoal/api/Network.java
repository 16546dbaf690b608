package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Map;

/** A swarm-scoped network as swarmkit stores it. */
public record Network(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        Spec spec,
        Driver driverState,
        @JsonProperty("IPAMOptions") JsonNode ipamOptions) implements StoredObject {

    public record Spec(String name, @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels, Driver driverConfiguration,
                       @JsonProperty("IPv6Enabled") boolean ipv6Enabled, boolean internal, boolean attachable,
                       boolean ingress, @JsonProperty("IPAMOptions") JsonNode ipamOptions, String scope) {}

    @Override
    public Network committed(Version v, Instant now) {
        return new Network(id, v, createdAt == null ? now : createdAt, now, spec, driverState, ipamOptions);
    }
}
