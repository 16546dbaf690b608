package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import java.util.List;

/** How a user names an object: its full id, its name, or a prefix of its id that only it has, as Docker resolves them. */
final class Refs {
    private Refs() {}

    static Service service(ReadTx r, String ref) {
        return resolve(r, Kind.SERVICE, ref, "service");
    }

    static Node node(ReadTx r, String ref) {
        return resolve(r, Kind.NODE, ref, "node");
    }

    static Task task(ReadTx r, String ref) {
        return resolve(r, Kind.TASK, ref, "task");
    }

    static Network network(ReadTx r, String ref) {
        return resolve(r, Kind.NETWORK, ref, "network");
    }

    private static <T extends StoredObject> T resolve(ReadTx r, Kind kind, String ref, String what) {
        if (ref == null || ref.isEmpty()) throw ApiException.notFound("%s %s not found", what, ref);
        T byId = r.get(kind, ref);
        if (byId != null) return byId;
        List<T> all = r.list(kind);
        List<T> byName = all.stream().filter(o -> ref.equals(nameOf(o))).toList();
        if (byName.size() == 1) return byName.getFirst();
        List<T> byPrefix = all.stream().filter(o -> o.id().startsWith(ref)).toList();
        if (byPrefix.size() == 1) return byPrefix.getFirst();
        if (byPrefix.size() > 1 || byName.size() > 1) {
            throw ApiException.invalid("%s %s is ambiguous (%d matches found)", what, ref, Math.max(byPrefix.size(), byName.size()));
        }
        throw ApiException.notFound("%s %s not found", what, ref);
    }

    private static String nameOf(StoredObject o) {
        return switch (o) {
            case Service s -> s.spec().name();
            case Network n -> n.spec().name();
            case Node n -> n.hostname() != null ? n.hostname() : n.spec().name();
            default -> null;
        };
    }
}
