package io.shoal.daemon.swarm;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.dispatcher.TaskStatusUpdate;
import io.shoal.pki.TlsSource;
import io.shoal.rpc.RemoteDispatcher;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this node's agent reaches the leader's dispatcher, whatever the node's role: in-process
 * while the node's own manager leads; else over the cluster port to the leader its own manager
 * knows of; else to the managers it knows in turn, moving to the next when one is unreachable or
 * does not lead. Every session tells it the managers' cluster ports (swarmkit's session carries
 * the same list), so a node follows the swarm as managers come and go. Since the agent keeps one
 * connection for the node's whole membership, a promotion or demotion only changes which way
 * its calls go.
 */
final class ManagerConnection implements DispatcherProtocol, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ManagerConnection.class);

    private final TlsSource tls;
    private final List<String> managers; // guarded by this
    private int current; // guarded by this
    private RemoteDispatcher remote; // guarded by this
    private String remoteAddr; // guarded by this
    private volatile LocalManager local;

    ManagerConnection(List<String> managers, TlsSource tls) {
        this.managers = new ArrayList<>(managers);
        this.tls = tls;
    }

    /** The manager this node runs, while it runs one. */
    void setLocal(LocalManager manager) {
        local = manager;
    }

    /** The managers' cluster ports this node knows, the leader (as far as it knows) first. */
    synchronized List<String> addresses() {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        LocalManager m = local;
        if (m != null) {
            String leader = m.leaderAddress();
            if (leader != null) out.add(leader);
            out.addAll(m.managerAddresses());
        }
        out.addAll(managers.subList(current, managers.size()));
        out.addAll(managers.subList(0, current));
        return List.copyOf(out);
    }

    /** Where calls go now: this node's own dispatcher while it leads, else a manager over the cluster port. */
    private DispatcherProtocol target() {
        LocalManager m = local;
        if (m != null) {
            if (m.leads()) return m.dispatcher();
            String leader = m.leaderAddress();
            if (leader != null) return remote(leader);
            // No leader known, as when this manager was just taken out of the group: the other
            // managers in turn, as a worker does.
            learn(m.managerAddresses());
        }
        synchronized (this) {
            if (managers.isEmpty()) throw ApiException.unavailable("no manager known to reach the dispatcher through");
            return remote(managers.get(current));
        }
    }

    private synchronized RemoteDispatcher remote(String addr) {
        if (remote == null || !addr.equals(remoteAddr)) {
            if (remote != null) remote.close();
            remote = RemoteDispatcher.connect(addr, tls);
            remoteAddr = addr;
        }
        return remote;
    }

    /** The manager at {@code failed} did not serve us: the next call goes to the next one. */
    private synchronized void next(DispatcherProtocol failed, ApiException e) {
        if (failed != remote) return;
        remote.close();
        remote = null;
        if (managers.size() > 1 && remoteAddr.equals(managers.get(current))) current = (current + 1) % managers.size();
        log.info("manager {} unavailable ({}); trying {}", remoteAddr, e.getMessage(), managers.isEmpty() ? "none" : managers.get(current));
    }

    private <T> T call(Function<DispatcherProtocol, T> f) {
        DispatcherProtocol d = target();
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
        if (s.managers() != null) learn(s.managers());
        return s;
    }

    private synchronized void learn(List<String> addresses) {
        String using = managers.isEmpty() ? null : managers.get(current);
        LinkedHashSet<String> known = new LinkedHashSet<>(managers);
        known.addAll(addresses);
        managers.clear();
        managers.addAll(known);
        current = using == null ? 0 : managers.indexOf(using);
    }

    /** The managers' cluster ports learned so far, for the node's saved state. */
    synchronized List<String> known() {
        return List.copyOf(managers);
    }

    /** Forgets every manager but {@code addresses}, as when this node forms a new cluster alone. */
    synchronized void forget(List<String> addresses) {
        managers.clear();
        managers.addAll(addresses);
        current = 0;
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
    public void updateTaskStatus(String nodeId, String sessionId, List<TaskStatusUpdate> updates) {
        call(d -> {
            d.updateTaskStatus(nodeId, sessionId, updates);
            return null;
        });
    }

    @Override
    public synchronized void close() {
        if (remote != null) remote.close();
        remote = null;
    }
}
