package io.shoal.store;

import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A write transaction: reads see the committed store plus this transaction's own writes; the
 * writes become one {@link Batch}, each based on the version that was read.
 */
public final class Tx implements ReadTx {
    private record Key(Kind kind, String id) {}

    private final ReadTx base;
    private final Map<Key, Change> pending = new LinkedHashMap<>();

    Tx(ReadTx base) {
        this.base = base;
    }

    public void create(StoredObject o) {
        pending.put(new Key(Kind.of(o), o.id()), new Change(Change.Op.CREATE, o, 0));
    }

    public void update(StoredObject o) {
        Key key = new Key(Kind.of(o), o.id());
        Change earlier = pending.get(key);
        if (earlier != null && earlier.op() == Change.Op.CREATE) {
            pending.put(key, new Change(Change.Op.CREATE, o, 0));
        } else {
            pending.put(key, new Change(Change.Op.UPDATE, o, o.version().index()));
        }
    }

    public void delete(StoredObject o) {
        Key key = new Key(Kind.of(o), o.id());
        Change earlier = pending.get(key);
        if (earlier != null && earlier.op() == Change.Op.CREATE) pending.remove(key);
        else pending.put(key, new Change(Change.Op.DELETE, o, o.version().index()));
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }

    public int size() {
        return pending.size();
    }

    List<Change> changes() {
        return List.copyOf(pending.values());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StoredObject> T get(Kind kind, String id) {
        Change c = pending.get(new Key(kind, id));
        if (c != null) return c.op() == Change.Op.DELETE ? null : (T) c.object();
        return base.get(kind, id);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends StoredObject> List<T> list(Kind kind) {
        List<T> out = new ArrayList<>();
        for (T o : base.<T>list(kind)) {
            T mine = get(kind, o.id());
            if (mine != null) out.add(mine);
        }
        for (Change c : pending.values()) {
            if (c.kind() == kind && c.op() == Change.Op.CREATE) out.add((T) c.object());
        }
        return out;
    }

    @Override
    public <T extends StoredObject> T byName(Kind kind, String name) {
        for (T o : this.<T>list(kind)) {
            if (Objects.equals(Kind.nameOf(o), name)) return o;
        }
        return null;
    }

    @Override
    public List<Task> tasksOfService(String serviceId) {
        return merge(base.tasksOfService(serviceId), t -> serviceId.equals(t.serviceId()));
    }

    @Override
    public List<Task> tasksOfNode(String nodeId) {
        return merge(base.tasksOfNode(nodeId), t -> nodeId.equals(t.nodeId()));
    }

    @Override
    public Set<Integer> addressesInUse(String networkId) {
        Set<Integer> used = base.addressesInUse(networkId);
        if (pending.isEmpty()) return used;
        Set<Integer> out = new HashSet<>(used);
        for (Change c : pending.values()) {
            StoredObject before = base.get(c.kind(), c.object().id());
            if (before != null) addresses(before, networkId).forEach(out::remove);
            if (c.op() != Change.Op.DELETE) addresses(c.object(), networkId).forEach(out::add);
        }
        return out;
    }

    private static List<Integer> addresses(StoredObject o, String networkId) {
        return Holdings.of(o).addresses().stream().filter(a -> a.networkId().equals(networkId)).map(Holdings.Address::address).toList();
    }

    private List<Task> merge(List<Task> committed, Predicate<Task> belongs) {
        if (pending.isEmpty()) return committed;
        Map<String, Task> out = new LinkedHashMap<>();
        for (Task t : committed) out.put(t.id(), t);
        for (Change c : pending.values()) {
            if (c.object() instanceof Task t) {
                out.remove(t.id());
                if (c.op() != Change.Op.DELETE && belongs.test(t)) out.put(t.id(), t);
            }
        }
        return new ArrayList<>(out.values());
    }
}
