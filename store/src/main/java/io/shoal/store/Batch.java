package io.shoal.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A command proposed through Raft: changes applied all together or not at all. The proposer's
 * clock stamps it, so every manager applying it writes the same timestamps.
 */
public record Batch(Instant at, List<Change> changes) {

    public byte[] encode() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("at", at.toString());
        ArrayNode list = root.putArray("changes");
        for (Change c : changes) {
            ObjectNode n = list.addObject();
            n.put("op", c.op().name());
            n.put("kind", c.kind().name());
            n.put("basedOn", c.basedOn());
            n.set("object", Json.MAPPER.valueToTree(c.object()));
        }
        try {
            return Json.MAPPER.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Batch decode(byte[] bytes) throws IOException {
        JsonNode root = Json.MAPPER.readTree(bytes);
        List<Change> changes = new ArrayList<>();
        for (JsonNode n : root.get("changes")) {
            Kind kind = Kind.valueOf(n.get("kind").asText());
            changes.add(new Change(Change.Op.valueOf(n.get("op").asText()),
                    Json.MAPPER.treeToValue(n.get("object"), kind.type), n.get("basedOn").asLong()));
        }
        return new Batch(Instant.parse(root.get("at").asText()), changes);
    }
}
