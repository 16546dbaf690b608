package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON mapping of the project: Docker Engine API field names (UpperCamelCase, acronyms
 * spelled out with {@code @JsonProperty}), nulls and empty collections left out as Go's
 * {@code omitempty} does, timestamps as RFC 3339 strings. The store uses the same mapping, so an
 * object reads back exactly as the API wrote it.
 */
public final class Json {
    public static final ObjectMapper MAPPER = strictStrings(JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.UPPER_CAMEL_CASE)
            .addModule(new JavaTimeModule())
            .addModule(new WireModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // Only record components are fields: a question a record answers (isReady()) is not one.
            .disable(MapperFeature.AUTO_DETECT_IS_GETTERS)
            // Docker ignores fields it does not know, and newer CLIs send some.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Go leaves a missing or null number at zero; so do we.
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // Go's decoder refuses 1.5 for an integer; so do we.
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            // Go's decoder refuses "3" for a number; so do we.
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // A map's entries are all written, empty values too ({"encrypted": ""}, a label without
            // a value), as Go writes a map; omitempty only leaves out the field itself.
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_EMPTY, JsonInclude.Include.ALWAYS))
            .build());

    /** Go's decoder refuses a number or boolean where a string belongs; Jackson would convert it. */
    private static ObjectMapper strictStrings(ObjectMapper m) {
        var textual = m.coercionConfigFor(LogicalType.Textual);
        for (var shape : new CoercionInputShape[] {CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean}) {
            textual.setCoercion(shape, CoercionAction.Fail);
        }
        return m;
    }

    private Json() {}
}
