package io.shoal.store;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.Json;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * Stored objects and batches for the store's tests. Objects are read from the Engine API's JSON
 * rather than built with the records' constructors: the store only cares about ids, versions, names
 * and a task's service and node, and its tests must not break when the records' other fields are
 * retyped.
 */
public final class Fixtures {
    /** The time the test batches are stamped with: with nanoseconds, which must survive every round trip. */
    public static final Instant AT = Instant.parse("2025-01-02T03:04:05.123456789Z");

    private Fixtures() {}

    /** An object of {@code kind} read from {@code json}. */
    public static <T extends StoredObject> T read(Kind kind, String json) {
        try {
            @SuppressWarnings("unchecked")
            T o = (T) Json.MAPPER.readValue(json, kind.type);
            return o;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An object of {@code kind} named {@code name} as it stands at {@code version}: in its Spec for
     * every kind but tasks, whose name is their own.
     */
    public static <T extends StoredObject> T named(Kind kind, String id, String name, long version) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("ID", id);
        o.putObject("Version").put("Index", version);
        if (kind == Kind.TASK) o.put("Name", name);
        else o.putObject("Spec").put("Name", name);
        return read(kind, o.toString());
    }

    public static Service service(String id, String name) {
        return named(Kind.SERVICE, id, name, 0);
    }

    /** A task of {@code serviceId} on {@code nodeId} (null: not assigned), as it stands at {@code version}. */
    public static Task task(String id, String serviceId, String nodeId, long version) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("ID", id).put("ServiceID", serviceId).put("NodeID", nodeId);
        o.putObject("Version").put("Index", version);
        o.put("DesiredState", "running");
        return read(Kind.TASK, o.toString());
    }

    public static Batch batch(Change... changes) {
        return new Batch(AT, List.of(changes));
    }

    public static Change create(StoredObject o) {
        return new Change(Change.Op.CREATE, o, 0);
    }

    /** An update or delete based on the version {@code o} carries. */
    public static Change update(StoredObject o) {
        return new Change(Change.Op.UPDATE, o, o.version().index());
    }

    public static Change delete(StoredObject o) {
        return new Change(Change.Op.DELETE, o, o.version().index());
    }

    /** Reads something encoded: a batch, an entry. */
    public interface Decoding {
        Object read() throws IOException;
    }

    /** Refused with an IOException: not read, in part or whole, and not failing with an unchecked exception. */
    public static void assertUnreadable(Decoding decoding, String what) {
        try {
            Object read = decoding.read();
            fail(what + ": read as " + read);
        } catch (IOException expected) {
            // refused as unreadable, as wanted
        } catch (RuntimeException e) {
            fail(what + ": failed with " + e + " instead of an IOException");
        }
    }
}
