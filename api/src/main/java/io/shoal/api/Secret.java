package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;

public record Secret(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        Spec spec) implements StoredObject {

    /** Data is base64 in JSON; it is never returned by the API. */
    public record Spec(String name, @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels, byte[] data, Driver driver, Driver templating) {}

    @Override
    public Secret committed(Version v, Instant now) {
        return new Secret(id, v, createdAt == null ? now : createdAt, now, spec);
    }
}
