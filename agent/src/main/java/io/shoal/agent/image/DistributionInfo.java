package io.shoal.agent.image;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code GET /distribution/{name}/json}: the manifest descriptor of a local image (with OCI's
 * lower-case field names inside, as Docker sends them) and the platforms it runs on. The CLI
 * pins a service's image to {@code name@digest} with it; the store resolves that digest locally.
 */
public record DistributionInfo(Descriptor descriptor, List<Platform> platforms) {
    public record Descriptor(@JsonProperty("mediaType") String mediaType, @JsonProperty("digest") String digest,
                             @JsonProperty("size") long size) {}

    public record Platform(@JsonProperty("architecture") String architecture, @JsonProperty("os") String os) {}
}
