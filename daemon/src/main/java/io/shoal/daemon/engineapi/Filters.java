package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.ArrayList;

/**
 * The Engine API's {@code filters} query parameter: JSON mapping a filter name to its values,
 * either as a list or as Docker's {@code {"value": true}} map (what the CLI sends).
 */
public final class Filters {
    private final Map<String, List<String>> values;

    private Filters(Map<String, List<String>> values) {
        this.values = values;
    }

    static Filters parse(String json) {
        Map<String, List<String>> out = new HashMap<>();
        if (json == null || json.isBlank()) return new Filters(out);
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw ApiException.invalid("invalid filter: %s", e.getMessage());
        }
        if (!root.isObject()) throw ApiException.invalid("invalid filter: must be a JSON object");
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            List<String> list = new ArrayList<>();
            if (e.getValue().isArray()) e.getValue().forEach(v -> list.add(v.asText()));
            else if (e.getValue().isObject()) e.getValue().fieldNames().forEachRemaining(list::add);
            else throw ApiException.invalid("invalid filter '%s'", e.getKey());
            out.put(e.getKey(), list);
        }
        return new Filters(out);
    }

    /** Refuses filter names this endpoint does not know, as Docker does. */
    public Filters allow(Set<String> names) {
        for (String k : values.keySet()) {
            if (!names.contains(k)) throw ApiException.invalid("invalid filter '%s'", k);
        }
        return this;
    }

    public boolean has(String name) {
        return values.containsKey(name) && !values.get(name).isEmpty();
    }

    public List<String> get(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** True when the filter is absent or one of its values satisfies {@code test}. */
    public boolean matches(String name, java.util.function.Predicate<String> test) {
        return !has(name) || get(name).stream().anyMatch(test);
    }

    /** Label filters: "key" (present) or "key=value". */
    public boolean matchesLabels(String name, Map<String, String> labels) {
        if (!has(name)) return true;
        Map<String, String> l = labels == null ? Map.of() : labels;
        return get(name).stream().allMatch(f -> {
            int eq = f.indexOf('=');
            return eq < 0 ? l.containsKey(f) : f.substring(eq + 1).equals(l.get(f.substring(0, eq)));
        });
    }
}
