package io.shoal.api;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Golden JSON for the Engine API's objects: documents shaped as Docker documents them, read with
 * {@link Json#MAPPER} and written back. Trees are compared, not strings, so field order and spacing
 * do not count; numbers compare by value, since Go writes a float64 zero as {@code 0}.
 */
final class GoldenJson {
    private GoldenJson() {}

    /** The document in {@code golden/<name>}. */
    static String resource(String name) {
        try (InputStream in = GoldenJson.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) throw new IllegalArgumentException("no golden document " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode tree(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code value} as the API sends it: its bytes, parsed again. */
    static JsonNode written(Object value) {
        try {
            return Json.MAPPER.readTree(Json.MAPPER.writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads {@code json} as {@code type} and asserts that it writes back exactly as it was, but for
     * {@code extraFields}: top-level fields written today that Docker does not have, each one
     * pinned by a disabled test of its own.
     */
    static <T> T assertRoundTrip(String json, Class<T> type, String... extraFields) {
        T value = read(json, type);
        assertWrites(json, value, extraFields);
        return value;
    }

    /** Asserts that {@code value} writes exactly {@code expected} (but for {@code extraFields}), naming every field that differs. */
    static void assertWrites(String expected, Object value, String... extraFields) {
        JsonNode got = written(value);
        if (got instanceof ObjectNode o) o.remove(List.of(extraFields));
        List<String> differences = new ArrayList<>();
        compare("", tree(expected), got, differences);
        if (!differences.isEmpty()) fail("written JSON differs from Docker's:\n  " + String.join("\n  ", differences));
    }

    private static void compare(String path, JsonNode want, JsonNode got, List<String> out) {
        if (want.isNumber() && got.isNumber()) {
            if (want.decimalValue().compareTo(got.decimalValue()) != 0) out.add(path + ": " + want + " written as " + got);
        } else if (want.isObject() && got.isObject()) {
            TreeSet<String> names = new TreeSet<>();
            want.fieldNames().forEachRemaining(names::add);
            got.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String at = path + "/" + name;
                if (!got.has(name)) out.add(at + ": missing (Docker has " + want.get(name) + ")");
                else if (!want.has(name)) out.add(at + ": written as " + got.get(name) + " (Docker has no such field)");
                else compare(at, want.get(name), got.get(name), out);
            }
        } else if (want.isArray() && got.isArray() && want.size() == got.size()) {
            for (int i = 0; i < want.size(); i++) compare(path + "/" + i, want.get(i), got.get(i), out);
        } else if (!want.equals(got)) {
            out.add(path + ": " + want + " written as " + got);
        }
    }

    /** The names of {@code node}'s fields. */
    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
