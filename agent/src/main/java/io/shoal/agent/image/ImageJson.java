package io.shoal.agent.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shoal.api.ApiException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of images: the store's own files, and what it reads from image configs, manifests and
 * manifest lists (indexes) whichever way an image came, from an archive or from a registry.
 */
final class ImageJson {
    static final ObjectMapper MAPPER = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ImageJson() {}

    /** The diff ids of an image's layers, lowest first, from its config. */
    static List<String> diffIds(byte[] config) throws IOException {
        JsonNode c = MAPPER.readTree(config);
        JsonNode ids = c.path("rootfs").path("diff_ids");
        if (!ids.isArray()) throw ApiException.invalid("invalid image config: rootfs.diff_ids is missing");
        List<String> out = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!Digests.isValid(id.asText())) throw ApiException.invalid("invalid image config: diff id %s", id.asText());
            out.add(id.asText());
        }
        return out;
    }

    static boolean isIndex(String mediaType) {
        return mediaType.equals(RegistryClient.DOCKER_LIST) || mediaType.equals(RegistryClient.OCI_INDEX);
    }

    /** The digest of the linux/amd64 manifest of a manifest list or index. */
    static String linuxAmd64(JsonNode index, String what) {
        for (JsonNode d : index.path("manifests")) {
            JsonNode p = d.path("platform");
            if (p.path("os").asText("").equals("linux") && p.path("architecture").asText("").equals("amd64")) {
                return d.path("digest").asText();
            }
        }
        throw ApiException.invalid("no matching manifest for linux/amd64 in the manifest list entries of %s", what);
    }
}
