package io.shoal.store;

import io.shoal.api.ApiException;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import io.shoal.api.Version;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The cluster state every manager holds: one table per kind with a name index and task indexes by
 * service and node. It changes only by {@link #apply}, which the Raft state machine calls with
 * committed batches in log order, so every manager's copy goes through the same states.
 *
 * <p>Tables are concurrent maps so that a write transaction may read without the lock (its
 * changes are checked against versions when applied); {@link #view} takes the lock for readers
 * that need several tables to agree.
 */
public final class MemoryStore {
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<Kind, Map<String, StoredObject>> tables = new EnumMap<>(Kind.class);
    private final Map<Kind, Map<String, String>> idsByName = new EnumMap<>(Kind.class);
    private final Map<String, Set<String>> tasksByService = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> tasksByNode = new ConcurrentHashMap<>();
    private final NetworkIndex networks = new NetworkIndex();
    private final List<Consumer<List<Event>>> listeners = new CopyOnWriteArrayList<>();
    private long appliedIndex;
    private final Object appliedMonitor = new Object();

    public MemoryStore() {
        for (Kind k : Kind.values()) {
            tables.put(k, new ConcurrentHashMap<>());
            idsByName.put(k, new ConcurrentHashMap<>());
        }
    }

    /** Called with the events of each applied batch, on the applying thread, in log order. */
    public void addListener(Consumer<List<Event>> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<List<Event>> listener) {
        listeners.remove(listener);
    }

    public <R> R view(Function<ReadTx, R> reader) {
        lock.readLock().lock();
        try {
            return reader.apply(readTx);
        } finally {
            lock.readLock().unlock();
        }
    }

    public long appliedIndex() {
        lock.readLock().lock();
        try {
            return appliedIndex;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Waits until this copy has applied log index {@code index}: on a follower, a write committed
     * through the leader is visible to reads here only once it is applied here too.
     */
    public boolean awaitApplied(long index, long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        synchronized (appliedMonitor) {
            while (appliedIndex() < index) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) return false;
                appliedMonitor.wait(left);
            }
        }
        return true;
    }

    /**
     * Applies the batches of the committed log entry at {@code index}, in order. Each batch applies
     * whole or not at all; the result holds, in the batches' places, null for a batch applied and
     * the refusal of one that was not (the index is consumed either way).
     */
    public List<ApiException> apply(long index, List<Batch> batches) {
        List<ApiException> refusals = new ArrayList<>(batches.size());
        List<Event> events = new ArrayList<>();
        lock.writeLock().lock();
        try {
            appliedIndex = index;
            Version version = new Version(index);
            for (Batch batch : batches) {
                try {
                    check(batch);
                } catch (ApiException refused) {
                    refusals.add(refused);
                    continue;
                }
                refusals.add(null);
                for (Change c : batch.changes()) {
                    Kind kind = c.kind();
                    StoredObject before = tables.get(kind).get(c.object().id());
                    StoredObject after = c.op() == Change.Op.DELETE ? null : c.object().committed(version, batch.at());
                    put(kind, before, after);
                    events.add(new Event(c.op(), kind, before, after, index, batch.at()));
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (!events.isEmpty()) {
            for (var l : listeners) l.accept(events);
        }
        synchronized (appliedMonitor) {
            appliedMonitor.notifyAll();
        }
        return refusals;
    }

    /**
     * Refuses the batch if any change is based on a version that has moved, breaks a unique name,
     * or gives away an address, subnet, VXLAN id or published port that is held ({@link NetworkIndex}). Names are
     * checked against the batch as a whole: every name an updated or deleted object gives up is
     * free before any is claimed, so two objects may swap their names in one batch.
     */
    private void check(Batch batch) {
        Names names = new Names();
        for (Change c : batch.changes()) {
            Kind kind = c.kind();
            String id = c.object().id();
            StoredObject current = tables.get(kind).get(id);
            switch (c.op()) {
                case CREATE -> {
                    if (current != null) throw ApiException.conflict("%s %s already exists", kind.wireName(), id);
                }
                case UPDATE, DELETE -> {
                    if (current == null) throw ApiException.notFound("%s %s not found", kind.wireName(), id);
                    if (current.version().index() != c.basedOn()) throw ApiException.conflict("update out of sequence");
                }
            }
            if (kind.uniqueNames && current != null) names.release(kind, Kind.nameOf(current));
        }
        for (Change c : batch.changes()) {
            Kind kind = c.kind();
            if (!kind.uniqueNames || c.op() == Change.Op.DELETE) continue;
            String name = Kind.nameOf(c.object());
            String owner = names.owner(kind, name);
            if (owner != null && !owner.equals(c.object().id())) {
                throw ApiException.conflict("name conflicts with an existing object: %s %s already exists",
                        kind.wireName(), name);
            }
            names.claim(kind, name, c.object().id());
        }
        networks.check(batch.changes(), c -> tables.get(c.kind()).get(c.object().id()));
    }

    /** The unique names as a batch being checked leaves them: the name index with the batch's claims and releases over it. */
    private final class Names {
        private final Map<Kind, Map<String, String>> claimed = new EnumMap<>(Kind.class);

        String owner(Kind kind, String name) {
            Map<String, String> mine = claimed.get(kind);
            return mine != null && mine.containsKey(name) ? mine.get(name) : idsByName.get(kind).get(name);
        }

        void claim(Kind kind, String name, String id) {
            claimed.computeIfAbsent(kind, k -> new HashMap<>()).put(name, id);
        }

        /** A null owner marks a name this batch gives up. */
        void release(Kind kind, String name) {
            claimed.computeIfAbsent(kind, k -> new HashMap<>()).put(name, null);
        }
    }

    private void put(Kind kind, StoredObject before, StoredObject after) {
        String id = (after != null ? after : before).id();
        if (kind.uniqueNames) {
            // Only while the name is still this object's: another may have taken it in the same batch.
            if (before != null) idsByName.get(kind).remove(Kind.nameOf(before), id);
            if (after != null) idsByName.get(kind).put(Kind.nameOf(after), id);
        }
        if (kind == Kind.TASK || kind == Kind.NODE || kind == Kind.SERVICE || kind == Kind.NETWORK) networks.put(before, after);
        if (kind == Kind.TASK) {
            if (before instanceof Task t) {
                unindex(tasksByService, t.serviceId(), id);
                unindex(tasksByNode, t.nodeId(), id);
            }
            if (after instanceof Task t) {
                index(tasksByService, t.serviceId(), id);
                index(tasksByNode, t.nodeId(), id);
            }
        }
        if (after == null) tables.get(kind).remove(id);
        else tables.get(kind).put(id, after);
    }

    private static void index(Map<String, Set<String>> idx, String key, String id) {
        if (key != null) idx.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(id);
    }

    private static void unindex(Map<String, Set<String>> idx, String key, String id) {
        if (key == null) return;
        Set<String> s = idx.get(key);
        if (s != null && s.remove(id) && s.isEmpty()) idx.remove(key);
    }

    /** Every object, for a snapshot. */
    public List<StoredObject> all() {
        return view(tx -> {
            List<StoredObject> out = new ArrayList<>();
            for (var t : tables.values()) out.addAll(t.values());
            return out;
        });
    }

    /** Replaces the whole state with a snapshot's. */
    public void restore(long index, Collection<StoredObject> objects) {
        lock.writeLock().lock();
        try {
            for (var t : tables.values()) t.clear();
            for (var n : idsByName.values()) n.clear();
            tasksByService.clear();
            tasksByNode.clear();
            networks.clear();
            for (StoredObject o : objects) put(Kind.of(o), null, o);
            appliedIndex = index;
        } finally {
            lock.writeLock().unlock();
        }
    }

    private final ReadTx readTx = new ReadTx() {
        @Override
        @SuppressWarnings("unchecked")
        public <T extends StoredObject> T get(Kind kind, String id) {
            return id == null ? null : (T) tables.get(kind).get(id);
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends StoredObject> List<T> list(Kind kind) {
            return (List<T>) List.copyOf(tables.get(kind).values());
        }

        @Override
        public <T extends StoredObject> T byName(Kind kind, String name) {
            return get(kind, idsByName.get(kind).get(name));
        }

        @Override
        public List<Task> tasksOfService(String serviceId) {
            return tasksIn(tasksByService.get(serviceId));
        }

        @Override
        public Set<Integer> addressesInUse(String networkId) {
            return networks.inUse(networkId);
        }

        @Override
        public List<Task> tasksOfNode(String nodeId) {
            return tasksIn(tasksByNode.get(nodeId));
        }

        private List<Task> tasksIn(Set<String> ids) {
            if (ids == null) return List.of();
            List<Task> out = new ArrayList<>(ids.size());
            for (String id : ids) {
                Task t = (Task) tables.get(Kind.TASK).get(id);
                if (t != null) out.add(t);
            }
            return out;
        }
    };
}
