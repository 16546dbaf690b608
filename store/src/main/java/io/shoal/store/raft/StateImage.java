package io.shoal.store.raft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.Json;
import io.shoal.api.StoredObject;
import io.shoal.store.Kind;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The whole store as of one Raft entry (term, index): what a snapshot holds and what a catching-up manager fetches. */
record StateImage(long term, long index, List<StoredObject> objects) {
    static byte[] encode(long term, long index, List<StoredObject> objects) throws IOException {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("term", term);
        root.put("index", index);
        ArrayNode array = root.putArray("objects");
        for (StoredObject o : objects) {
            ObjectNode n = array.addObject();
            n.put("kind", Kind.of(o).name());
            n.set("object", Json.MAPPER.valueToTree(o));
        }
        return Json.MAPPER.writeValueAsBytes(root);
    }

    static StateImage decode(byte[] bytes) throws IOException {
        JsonNode root = Json.MAPPER.readTree(bytes);
        if (root == null || !root.has("index") || !root.has("objects")) throw new IOException("not a store image");
        List<StoredObject> objects = new ArrayList<>();
        for (JsonNode n : root.get("objects")) {
            Kind kind = Kind.valueOf(n.get("kind").asText());
            objects.add(Json.MAPPER.treeToValue(n.get("object"), kind.type));
        }
        return new StateImage(root.get("term").asLong(), root.get("index").asLong(), objects);
    }
}
