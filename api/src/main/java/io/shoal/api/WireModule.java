package io.shoal.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleDeserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.module.SimpleSerializers;
import io.shoal.common.wireguard.Key;
import io.shoal.pki.NodeRole;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Where the domain's types meet Docker's JSON: words for the {@link WireValue} enums (and the
 * node role, whose spelling the pki owns), and the service mode as the one-member object the
 * Engine API uses, and WireGuard keys in base64 as {@code wg} writes them. Refusals name the field
 * and the words it takes, as a user of the API needs.
 */
final class WireModule extends SimpleModule {

    WireModule() {
        super("engine-api-wire");
        setSerializers(new SimpleSerializers() {
            @Override
            public JsonSerializer<?> findSerializer(SerializationConfig config, JavaType type, BeanDescription beanDesc) {
                Function<Object, String> word = wordOf(type.getRawClass());
                return word == null ? super.findSerializer(config, type, beanDesc) : new WordSerializer(word);
            }
        });
        setDeserializers(new SimpleDeserializers() {
            @Override
            public JsonDeserializer<?> findEnumDeserializer(Class<?> type, DeserializationConfig config, BeanDescription beanDesc) {
                Function<Object, String> word = wordOf(type);
                return word == null ? null : new WordDeserializer(type.getEnumConstants(), word);
            }
        });
        addSerializer(ServiceMode.class, new ModeSerializer());
        addSerializer(Instant.class, new TimeSerializer());
        addDeserializer(ServiceMode.class, new ModeDeserializer());
        addSerializer(Key.class, new KeySerializer());
        addDeserializer(Key.class, new KeyDeserializer());
    }

    private static Function<Object, String> wordOf(Class<?> type) {
        if (WireValue.class.isAssignableFrom(type) && type.isEnum()) return v -> ((WireValue) v).wireName();
        if (type == NodeRole.class) return v -> ((NodeRole) v).apiName();
        return null;
    }

    private static final class WordSerializer extends JsonSerializer<Object> {
        private final Function<Object, String> word;

        WordSerializer(Function<Object, String> word) {
            this.word = word;
        }

        @Override
        public void serialize(Object value, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeString(word.apply(value));
        }
    }

    private static final class WordDeserializer extends JsonDeserializer<Object> {
        private final Object[] constants;
        private final Function<Object, String> word;

        WordDeserializer(Object[] constants, Function<Object, String> word) {
            this.constants = constants;
            this.word = word;
        }

        /** An empty word is Go's zero value, a field left unset. */
        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) return ctxt.handleUnexpectedToken(String.class, p);
            String text = p.getText();
            if (text.isEmpty()) return null;
            for (Object c : constants) {
                if (word.apply(c).equalsIgnoreCase(text)) return c;
            }
            throw ApiException.invalid("%sinvalid %s %s: must be one of %s", where(p), words(p.currentName()), text,
                    Arrays.stream(constants).map(word).collect(Collectors.joining(", ")));
        }
    }

    /** The fields around the one being read, as a prefix of a refusal: "TaskTemplate.RestartPolicy: ". */
    private static String where(JsonParser p) {
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext c = p.getParsingContext().getParent(); c != null; c = c.getParent()) {
            if (c.getCurrentName() != null) path.insert(0, path.isEmpty() ? c.getCurrentName() : c.getCurrentName() + ".");
        }
        return path.isEmpty() ? "" : path + ": ";
    }

    /** "FailureAction" as a user reads it: "failure action". */
    static String words(String field) {
        if (field == null) return "value";
        return field.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT);
    }

    /** RFC 3339 as Go writes it: the fraction of a second without its trailing zeros ({@code .5Z}, not {@code .500Z}). */
    private static final class TimeSerializer extends JsonSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator g, SerializerProvider provider) throws IOException {
            String text = value.toString();
            int dot = text.indexOf('.');
            if (dot >= 0) {
                int end = text.length() - 1; // before the Z
                while (end > dot && text.charAt(end - 1) == '0') end--;
                text = text.substring(0, end == dot + 1 ? dot : end) + "Z";
            }
            g.writeString(text);
        }
    }

    private static final class KeySerializer extends JsonSerializer<Key> {
        @Override
        public void serialize(Key key, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeString(key.base64());
        }
    }

    private static final class KeyDeserializer extends JsonDeserializer<Key> {
        @Override
        public Key deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) return (Key) ctxt.handleUnexpectedToken(String.class, p);
            return Key.parse(p.getText());
        }
    }

    private static final class ModeSerializer extends JsonSerializer<ServiceMode> {
        @Override
        public void serialize(ServiceMode mode, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeStartObject();
            switch (mode) {
                case ServiceMode.Replicated r -> {
                    g.writeObjectFieldStart("Replicated");
                    g.writeNumberField("Replicas", r.replicas());
                }
                case ServiceMode.Global x -> g.writeObjectFieldStart("Global");
                case ServiceMode.ReplicatedJob j -> {
                    g.writeObjectFieldStart("ReplicatedJob");
                    // Both always: the docker CLI dereferences TotalCompletions when it lists services.
                    g.writeNumberField("MaxConcurrent", j.maxConcurrent());
                    g.writeNumberField("TotalCompletions", j.totalCompletions());
                }
                case ServiceMode.GlobalJob x -> g.writeObjectFieldStart("GlobalJob");
            }
            g.writeEndObject();
            g.writeEndObject();
        }
    }

    /**
     * Exactly one known member. An empty object sets no mode, as an absent one: replicated on
     * create, unchanged on update. Replicated without Replicas is one replica, as dockerd has it;
     * a replicated job without MaxConcurrent runs one task at a time, and without TotalCompletions
     * as many as MaxConcurrent.
     */
    private static final class ModeDeserializer extends JsonDeserializer<ServiceMode> {
        @Override
        public ServiceMode deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonNode tree = ctxt.readTree(p);
            if (!tree.isObject()) throw ApiException.invalid("invalid mode: must be an object");
            if (tree.size() > 1) {
                throw ApiException.invalid("invalid mode: exactly one of Replicated, Global, ReplicatedJob, GlobalJob may be set");
            }
            Iterator<Map.Entry<String, JsonNode>> members = tree.fields();
            if (!members.hasNext()) return null;
            Map.Entry<String, JsonNode> m = members.next();
            JsonNode body = m.getValue();
            if (!body.isObject() && !body.isNull()) throw ApiException.invalid("invalid mode: %s must be an object", m.getKey());
            return switch (m.getKey()) {
                case "Replicated" -> new ServiceMode.Replicated(number(body, "Replicated", "Replicas", 1));
                case "Global" -> new ServiceMode.Global();
                case "ReplicatedJob" -> {
                    long maxConcurrent = number(body, "ReplicatedJob", "MaxConcurrent", 1);
                    yield new ServiceMode.ReplicatedJob(maxConcurrent,
                            number(body, "ReplicatedJob", "TotalCompletions", maxConcurrent));
                }
                case "GlobalJob" -> new ServiceMode.GlobalJob();
                default -> throw ApiException.invalid("invalid mode: unknown service mode %s", m.getKey());
            };
        }

        private static long number(JsonNode body, String mode, String field, long absent) {
            JsonNode n = body.get(field);
            if (n == null || n.isNull()) return absent;
            if (!n.isIntegralNumber()) {
                throw ApiException.invalid("invalid JSON: cannot unmarshal %s into field Mode.%s.%s of type integer",
                        n, mode, field);
            }
            return n.asLong();
        }
    }
}
