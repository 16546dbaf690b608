package io.shoal.daemon.engineapi;

import io.shoal.api.ApiException;
import io.shoal.api.Json;
import io.shoal.daemon.events.EventJournal;
import io.shoal.daemon.events.EventMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /events}: the events of the swarm and of this node's containers, one JSON object per
 * line. With {@code since} it first replays what the journal still holds from then on (see
 * {@link EventJournal#CAPACITY}); with {@code until} it ends at that time (at once when it is
 * past), else it streams until the client goes away. Filters as dockerd's: type, event, scope,
 * label, and container, service, node, network, secret, config, image by id or name prefix.
 */
public final class EventRoutes {
    private static final Set<String> FILTERS = Set.of("type", "event", "scope", "label", "container", "image", "service",
            "node", "network", "secret", "config", "volume", "plugin", "daemon");
    /** Filters that name an object of one type: an event of another type never matches them. */
    private static final List<String> BY_NAME = List.of("container", "service", "node", "network", "secret", "config",
            "volume", "plugin", "daemon");
    private static final long WAKE_MILLIS = 500;

    private final EventJournal journal;

    public EventRoutes(EventJournal journal) {
        this.journal = journal;
    }

    public void register(Router r) {
        r.add("GET", "/events", this::events);
    }

    private Object events(ApiRequest req) {
        Instant now = Instant.now();
        Instant since = time(req.query("since"), now);
        Instant until = time(req.query("until"), now);
        if (since != null && until != null && until.isBefore(since)) {
            throw ApiException.invalid("`since` time (%s) cannot be after `until` time (%s)", since, until);
        }
        Filters filters = req.filters().allow(FILTERS);
        return Router.Reply.stream("application/json", out -> {
            try (EventJournal.Subscription sub = journal.subscribe()) {
                if (since != null) {
                    for (EventMessage m : sub.past()) {
                        if (!m.at().isBefore(since) && (until == null || !m.at().isAfter(until)) && matches(filters, m)) {
                            out.write(line(m));
                        }
                    }
                }
                while (out.open() && (until == null || Instant.now().isBefore(until))) {
                    long wait = until == null ? WAKE_MILLIS
                            : Math.min(WAKE_MILLIS, Math.max(1, until.toEpochMilli() - System.currentTimeMillis()));
                    EventMessage m = sub.live().poll(wait, TimeUnit.MILLISECONDS);
                    if (m != null && (until == null || !m.at().isAfter(until)) && matches(filters, m)) out.write(line(m));
                }
            }
        });
    }

    /** A {@code since} or {@code until}: absent, or any of Docker's forms (the CLI sends unix seconds). */
    private static Instant time(String value, Instant now) {
        return value == null || value.isEmpty() ? null : Timestamps.parse(value, now);
    }

    private static byte[] line(EventMessage m) throws Exception {
        byte[] json = Json.MAPPER.writeValueAsBytes(m);
        byte[] out = java.util.Arrays.copyOf(json, json.length + 1);
        out[json.length] = '\n';
        return out;
    }

    static boolean matches(Filters f, EventMessage m) {
        Map<String, String> attributes = m.actor().attributes() == null ? Map.of() : m.actor().attributes();
        if (!f.matches("type", m.type()::equals) || !f.matches("scope", m.scope()::equals)) return false;
        if (!f.matches("event", e -> e.equals(m.action()) || e.equals(m.action().split(":", 2)[0]))) return false;
        for (String kind : BY_NAME) {
            if (!f.has(kind)) continue;
            if (!kind.equals(m.type())) return false;
            String name = attributes.get("name");
            if (!f.matches(kind, v -> m.actor().id().startsWith(v) || name != null && name.startsWith(v))) return false;
        }
        if (!f.matches("image", v -> v.equals(attributes.get("image")) || v.equals(m.from()))) return false;
        return f.matchesLabels("label", attributes);
    }
}
