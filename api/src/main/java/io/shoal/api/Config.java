package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;

public record Config(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        Spec spec) implements StoredObject {

    /** Data is base64 in JSON. */
    public record Spec(String name, @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels, byte[] data, Driver templating) {}

    @Override
    public Config committed(Version v, Instant now) {
        return new Config(id, v, createdAt == null ? now : createdAt, now, spec);
    }
}
