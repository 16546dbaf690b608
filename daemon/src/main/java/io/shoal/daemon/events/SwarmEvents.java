package io.shoal.daemon.events;

import io.shoal.api.Config;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.Secret;
import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.store.Change;
import io.shoal.store.Event;
import io.shoal.store.Store;
import io.shoal.store.Watch;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The swarm's events, derived from the changes this manager's copy of the store applies: every
 * manager applies the same committed changes, so a follower reports the same events as the leader,
 * stamped with the same times (each change's batch time), and a leader change loses none. What
 * each event says follows dockerd's (daemon/events.go): the object's name, and for updates the
 * attributes that changed as {@code x.old}/{@code x.new}. Runs while the node is a manager; it
 * follows the store of whichever manager the node currently runs.
 */
public final class SwarmEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SwarmEvents.class);
    private static final long POLL_MILLIS = 250;

    private final Supplier<Store> store;
    private final EventJournal journal;
    private final Thread thread;
    private volatile boolean closed;

    /** @param store this node's manager's store, or null while it is no manager */
    public SwarmEvents(Supplier<Store> store, EventJournal journal) {
        this.store = store;
        this.journal = journal;
        this.thread = Thread.ofVirtual().name("swarm-events").start(this::run);
    }

    private void run() {
        Store following = null;
        Watch watch = null;
        try {
            while (!closed) {
                Store current = store.get();
                if (current != following) {
                    if (watch != null) watch.close();
                    watch = current == null ? null : current.watch();
                    following = current;
                }
                if (watch == null) {
                    Thread.sleep(POLL_MILLIS);
                    continue;
                }
                for (Event e : watch.next(POLL_MILLIS)) {
                    EventMessage m = of(e);
                    if (m != null) journal.publish(m);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("swarm events stopped", e);
        } finally {
            if (watch != null) watch.close();
        }
    }

    /** The Docker event for a store change, or null for kinds Docker reports no events of (tasks, the cluster, keys). */
    static EventMessage of(Event e) {
        String action = switch (e.op()) {
            case CREATE -> "create";
            case UPDATE -> "update";
            case DELETE -> "remove";
        };
        Instant at = e.at() != null ? e.at() : Instant.now();
        return switch (e.object()) {
            case Service s -> EventMessage.swarm("service", action, s.id(),
                    serviceAttributes(s, e.op() == Change.Op.UPDATE ? (Service) e.before() : null), at);
            case Node n -> EventMessage.swarm("node", action, n.id(),
                    nodeAttributes(n, e.op() == Change.Op.UPDATE ? (Node) e.before() : null), at);
            case Network n -> EventMessage.swarm("network", action, n.id(), named(n.spec().name()), at);
            case Secret s -> EventMessage.swarm("secret", action, s.id(), named(s.spec().name()), at);
            case Config c -> EventMessage.swarm("config", action, c.id(), named(c.spec().name()), at);
            default -> null;
        };
    }

    private static Map<String, String> named(String name) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("name", name);
        return a;
    }

    private static Map<String, String> serviceAttributes(Service s, Service old) {
        Map<String, String> a = named(s.spec().name());
        if (old == null) return a;
        changed(a, "image", image(old), image(s));
        if (s.mode() instanceof ServiceMode.Replicated now && old.mode() instanceof ServiceMode.Replicated was) {
            changed(a, "replicas", Long.toString(was.replicas()), Long.toString(now.replicas()));
        }
        if (s.updateStatus() != null && s.updateStatus().state() != null) {
            String now = s.updateStatus().state().wireName();
            if (old.updateStatus() == null || old.updateStatus().state() == null) a.put("updatestate.new", now);
            else changed(a, "updatestate", old.updateStatus().state().wireName(), now);
        }
        return a;
    }

    private static String image(Service s) {
        ContainerSpec c = s.spec().taskTemplate() == null ? null : s.spec().taskTemplate().containerSpec();
        return c == null ? null : c.image();
    }

    private static Map<String, String> nodeAttributes(Node n, Node old) {
        String name = n.spec() != null && n.spec().name() != null && !n.spec().name().isEmpty() ? n.spec().name()
                : n.description() == null ? null : n.description().hostname();
        Map<String, String> a = named(name);
        if (old == null) return a;
        if (n.spec() != null && old.spec() != null) {
            changed(a, "availability", lower(old.spec().availability()), lower(n.spec().availability()));
            changed(a, "role", lower(old.spec().role()), lower(n.spec().role()));
        }
        if (n.status() != null && old.status() != null) changed(a, "state", lower(old.status().state()), lower(n.status().state()));
        if (n.managerStatus() != null && old.managerStatus() != null) {
            changed(a, "leader", Boolean.toString(old.managerStatus().leader()), Boolean.toString(n.managerStatus().leader()));
            changed(a, "reachability", lower(old.managerStatus().reachability()), lower(n.managerStatus().reachability()));
        }
        return a;
    }

    private static void changed(Map<String, String> a, String key, String was, String now) {
        if (Objects.equals(was, now)) return;
        a.put(key + ".old", Objects.toString(was, ""));
        a.put(key + ".new", Objects.toString(now, ""));
    }

    private static String lower(Enum<?> e) {
        return e == null ? null : e.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
