package io.shoal.store;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.shoal.api.Json;
import io.shoal.api.StoredObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A command proposed through Raft: changes applied all together or not at all. The proposer's
 * clock stamps it, so every manager applying it writes the same timestamps.
 *
 * <p>Encoded as {@code {"at": ..., "changes": [{"op", "kind", "basedOn", "object"}, ...]}}, written
 * and read as a stream (every manager decodes every write): a change's kind comes before its object,
 * which is read straight into the kind's type.
 */
public record Batch(Instant at, List<Change> changes) {

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("at", at.toString());
            g.writeArrayFieldStart("changes");
            for (Change c : changes) {
                g.writeStartObject();
                g.writeStringField("op", c.op().name());
                g.writeStringField("kind", c.kind().name());
                g.writeNumberField("basedOn", c.basedOn());
                g.writeObjectField("object", c.object());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Reads a batch; anything but a whole, well-formed one is an IOException. */
    public static Batch decode(byte[] bytes, int offset, int length) throws IOException {
        try {
            return read(bytes, offset, length);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new IOException("batch: " + e.getMessage(), e);
        }
    }

    private static Batch read(byte[] bytes, int offset, int length) throws IOException {
        Instant at = null;
        List<Change> changes = new ArrayList<>();
        try (JsonParser p = Json.MAPPER.createParser(bytes, offset, length)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "at" -> at = Instant.parse(p.getText());
                    case "changes" -> {
                        expect(p.currentToken(), JsonToken.START_ARRAY);
                        while (p.nextToken() == JsonToken.START_OBJECT) changes.add(change(p));
                    }
                    default -> p.skipChildren();
                }
            }
        }
        if (at == null) throw new IOException("batch without a time");
        return new Batch(at, changes);
    }

    private static Change change(JsonParser p) throws IOException {
        Change.Op op = null;
        Kind kind = null;
        long basedOn = 0;
        StoredObject object = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "op" -> op = Change.Op.valueOf(p.getText());
                case "kind" -> kind = Kind.valueOf(p.getText());
                case "basedOn" -> basedOn = p.getLongValue();
                case "object" -> {
                    if (kind == null) throw new IOException("a change's object comes before its kind");
                    object = p.readValueAs(kind.type);
                }
                default -> p.skipChildren();
            }
        }
        if (op == null || object == null) throw new IOException("change without an op or object");
        return new Change(op, object, basedOn);
    }

    private static void expect(JsonToken got, JsonToken wanted) throws IOException {
        if (got != wanted) throw new IOException("batch: expected " + wanted + ", found " + got);
    }
}
