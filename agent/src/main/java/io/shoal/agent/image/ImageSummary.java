package io.shoal.agent.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * One row of {@code GET /images/json}, in Docker's ImageSummary shape. {@code Created} is in unix
 * seconds; {@code SharedSize} and {@code Containers} are -1 ("not computed") as Docker sends them
 * unless asked; {@code VirtualSize} equals {@code Size} for clients older than API 1.44.
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ImageSummary(String id, String parentId, List<String> repoTags, List<String> repoDigests, long created,
                           long size, long sharedSize, long virtualSize, Map<String, String> labels, long containers) {}
