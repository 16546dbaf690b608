package io.shoal.daemon;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dispatcher;
import io.shoal.rpc.RemoteDispatcher;
import io.shoal.pki.TlsSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's way to the leader's dispatcher among several managers: it talks to one manager
 * at a time and moves to the next when that one is unreachable or does not lead, learning the
 * managers' addresses from every session it opens (swarmkit's session carries the same list).
 */
final class ManagerList implements Dispatcher, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ManagerList.class);

    private final TlsSource tls;
    private final List<String> managers;
    private int current;
    private RemoteDispatcher dispatcher;

    ManagerList(List<String> managers, TlsSource tls) {
        this.managers = new ArrayList<>(managers);
        this.tls = tls;
    }

    /** The managers' cluster addresses known, the one in use first. */
    synchronized List<String> addresses() {
        List<String> out = new ArrayList<>(managers.subList(current, managers.size()));
        out.addAll(managers.subList(0, current));
        return out;
    }

    private synchronized RemoteDispatcher dispatcher() {
        if (dispatcher == null) dispatcher = RemoteDispatcher.connect(managers.get(current), tls);
        return dispatcher;
    }

    /** The managers' cluster ports as this node knows them now. */
    synchronized List<String> managers() {
        return List.copyOf(managers);
    }

    /** Closes the channel to the manager it talks to; a later call opens one again. */
    @Override
    public synchronized void close() {
        if (dispatcher != null) dispatcher.close();
        dispatcher = null;
    }

    /** The manager we talk to failed us: the next call goes to the next one. */
    private synchronized void next(RemoteDispatcher failed, ApiException e) {
        if (dispatcher != failed || managers.size() < 2) return;
        dispatcher.close();
        dispatcher = null;
        current = (current + 1) % managers.size();
        log.info("manager unavailable ({}); trying {}", e.getMessage(), managers.get(current));
    }

    private <T> T call(java.util.function.Function<RemoteDispatcher, T> f) {
        RemoteDispatcher d = dispatcher();
        try {
            return f.apply(d);
        } catch (ApiException e) {
            if (e.status() == 503) next(d, e);
            throw e;
        }
    }

    @Override
    public Session register(String nodeId, Node.Description description, String addr) {
        Session s = call(d -> d.register(nodeId, description, addr));
        synchronized (this) {
            LinkedHashSet<String> known = new LinkedHashSet<>(managers);
            if (s.managers() != null) known.addAll(s.managers());
            managers.clear();
            managers.addAll(known);
        }
        return s;
    }

    @Override
    public Heartbeat heartbeat(String nodeId, String sessionId) {
        return call(d -> d.heartbeat(nodeId, sessionId));
    }

    @Override
    public AutoCloseable assignments(String nodeId, String sessionId, Consumer<Assignments> listener) {
        return call(d -> d.assignments(nodeId, sessionId, listener));
    }

    @Override
    public void updateTaskStatus(String nodeId, String sessionId, List<io.shoal.api.dispatcher.TaskStatusUpdate> updates) {
        call(d -> {
            d.updateTaskStatus(nodeId, sessionId, updates);
            return null;
        });
    }
}
