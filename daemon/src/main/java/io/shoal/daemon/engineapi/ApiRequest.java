package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/** One Engine API call: method, path parameters, query and body. */
public record ApiRequest(String method, String path, Map<String, String> params, Map<String, List<String>> query,
                         Map<String, String> headers, byte[] body, InputStream bodyStream) {

    /** A request header; names are case-insensitive. */
    public String header(String name) {
        return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }

    public String param(String name) {
        return params.get(name);
    }

    public String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    /** Docker's boolean query values: 1/true/True are true, absent or 0/false are false. */
    public boolean queryBool(String name) {
        String v = query(name);
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true"));
    }

    public long queryLong(String name) {
        String v = query(name);
        if (v == null || v.isEmpty()) throw ApiException.invalid("missing %s parameter", name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.invalid("invalid %s parameter %s: not a number", name, v);
        }
    }

    public Filters filters() {
        return Filters.parse(query("filters"));
    }

    /** The body as {@code type}; malformed JSON and wrong types are the caller's error. */
    public <T> T json(Class<T> type) {
        if (body.length == 0) throw ApiException.invalid("request body must be provided");
        try {
            return Json.MAPPER.readValue(body, type);
        } catch (IOException e) {
            throw badJson(e);
        }
    }

    /**
     * What was wrong with a body, as a user can act on it: the refusal of a field's value where
     * the mapping made one (an unknown word, a malformed mode), else where the JSON went wrong.
     */
    static ApiException badJson(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiException refusal) return refusal;
        }
        if (e instanceof MismatchedInputException m && m.getPath().isEmpty() && m.getTargetType() != null
                && m.getTargetType().isRecord()) {
            return ApiException.invalid("invalid JSON: the request body must be an object");
        }
        if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            String field = m.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce((a, b) -> a + "." + b).orElse("");
            String value = m instanceof InvalidFormatException f ? " " + f.getValue() : "";
            return ApiException.invalid("invalid JSON: cannot unmarshal%s into field %s of type %s", value, field,
                    simpleType(m.getTargetType()));
        }
        String msg = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        return ApiException.invalid("invalid JSON: %s", msg);
    }

    private static String simpleType(Class<?> c) {
        if (c == null) return "unknown";
        if (c == Long.class || c == long.class || c == Integer.class || c == int.class) return "integer";
        if (c == Boolean.class || c == boolean.class) return "boolean";
        if (c == String.class) return "string";
        if (List.class.isAssignableFrom(c) || c.isArray()) return "array";
        if (Map.class.isAssignableFrom(c)) return "object";
        return c.getSimpleName();
    }
}
