package io.shoal.agent.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * {@code docker image inspect}, in Docker's ImageInspect shape. {@code Config} is the image
 * config's {@code config} object as the image carries it (Env, Cmd, Entrypoint, WorkingDir, User,
 * Healthcheck, StopSignal, Labels, ExposedPorts ...: the OCI and Docker spellings are the same).
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ImageInspect(String id, List<String> repoTags, List<String> repoDigests, String parent, String comment,
                           String created, String dockerVersion, String author, JsonNode config, String architecture,
                           String os, long size, GraphDriver graphDriver, RootFS rootFS, Metadata metadata) {

    public record RootFS(String type, List<String> layers) {}

    /** Where the layers are: overlayfs lower dirs, topmost first as Docker's overlay2 lists them. */
    public record GraphDriver(String name, Map<String, String> data) {}

    public record Metadata(String lastTagTime) {}
}
