package io.shoal.agent.image;

import java.nio.file.Path;
import java.util.List;

/**
 * An image as a container needs it: its id ({@code sha256:<digest of the config>}), the names it
 * is known by, its layers unpacked on this node (lowest first, shared read-only by every
 * container that uses them) and its runtime config.
 */
public record Image(String id, List<String> repoTags, List<String> repoDigests, List<Path> layers, ImageConfig config) {}
