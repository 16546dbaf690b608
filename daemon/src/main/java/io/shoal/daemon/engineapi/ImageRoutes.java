package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import io.shoal.agent.image.Image;
import io.shoal.agent.image.ImageSource.ImageUnavailableException;
import io.shoal.agent.image.ImageStore;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code /images} and {@code /distribution} on this node's {@link ImageStore}: load, list,
 * inspect, remove, tag, pull (with the X-Registry-Auth credentials), and the distribution
 * descriptor of local images. Image names may contain slashes,
 * so every per-image route takes the path's tail and splits the action off its end.
 */
public final class ImageRoutes {
    private final ImageStore store;
    private final Function<String, String> containerUsing;

    /**
     * @param containerUsing given an image id, the id of a container (task) on this node that uses it, or null;
     *                       {@code docker rmi} is refused while there is one
     */
    public ImageRoutes(ImageStore store, Function<String, String> containerUsing) {
        this.store = store;
        this.containerUsing = containerUsing;
    }

    public void register(Router r) {
        r.addUpload("POST", "/images/load", this::load);
        r.add("POST", "/images/create", this::pull);
        r.add("GET", "/images/json", req -> store.list());
        r.add("GET", "/images/{name...}", req -> {
            String name = action(req, "json");
            return store.inspect(name);
        });
        r.add("DELETE", "/images/{name...}", req -> store.remove(req.param("name"), req.queryBool("force"), containerUsing));
        r.add("POST", "/images/{name...}", req -> {
            String name = action(req, "tag");
            store.tag(name, req.query("repo"), req.query("tag"));
            return Router.Reply.empty(201);
        });
        r.add("GET", "/distribution/{name...}", req -> {
            String name = action(req, "json");
            return store.distribution(name).orElseThrow(() -> ApiException.notFound("No such image: %s", name));
        });
    }

    /** {@code docker load}: the JSON stream Docker answers with, one {"stream": "Loaded image: ..."} per image. */
    private Object load(ApiRequest req) throws Exception {
        List<String> lines = store.load(req.bodyStream());
        StringBuilder out = new StringBuilder();
        for (String line : lines) out.append(Json.MAPPER.writeValueAsString(Map.of("stream", line + "\n"))).append('\n');
        return jsonStream(out.toString());
    }

    /** {@code docker pull NAME}: pulls unless the image is here, and says which it was as Docker does. */
    private Object pull(ApiRequest req) throws Exception {
        String from = req.query("fromImage");
        if (from == null || from.isEmpty()) throw ApiException.invalid("fromImage must be given; importing from a source is not supported");
        String tag = req.query("tag");
        String name = tag == null || tag.isEmpty() ? from : tag.startsWith("sha256:") ? from + "@" + tag : from + ":" + tag;
        boolean present = store.find(name).isPresent();
        Image image;
        try {
            image = store.get(name, req.header("X-Registry-Auth"));
        } catch (ImageUnavailableException e) {
            throw ApiException.notFound("%s", e.getMessage());
        }
        StringBuilder out = new StringBuilder();
        ObjectNode status = Json.MAPPER.createObjectNode();
        String digest = image.repoDigests().isEmpty() ? null : image.repoDigests().getFirst();
        if (digest != null) {
            out.append(Json.MAPPER.writeValueAsString(status.put("status", "Digest: " + digest.substring(digest.indexOf('@') + 1)))).append('\n');
        }
        String display = io.shoal.agent.image.Reference.parse(name).familiar();
        out.append(Json.MAPPER.writeValueAsString(Json.MAPPER.createObjectNode().put("status",
                (present ? "Status: Image is up to date for " : "Status: Downloaded newer image for ") + display))).append('\n');
        return jsonStream(out.toString());
    }

    private static Router.Reply jsonStream(String text) {
        // Raw: a stream of JSON objects, not one JSON value; the CLI reads it as jsonmessages.
        return Router.Reply.json(200, new RawValue(text));
    }

    /** The image name of {@code NAME/ACTION}; any other sub-resource of an image is not served. */
    private static String action(ApiRequest req, String action) {
        String tail = req.param("name");
        String suffix = "/" + action;
        if (!tail.endsWith(suffix) || tail.length() == suffix.length()) {
            throw new ApiException(501, req.method() + " /" + req.path().substring(1).split("/")[0] + "/" + tail
                    + " is not supported by this daemon");
        }
        return tail.substring(0, tail.length() - suffix.length());
    }
}
