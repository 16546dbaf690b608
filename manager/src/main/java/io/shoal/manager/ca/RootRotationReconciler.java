package io.shoal.manager.ca;

import io.shoal.api.Cluster;
import io.shoal.api.Node;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.pki.IssuerInfo;
import io.shoal.store.Event;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Ends a root rotation once every node of the swarm reports a certificate of the next root
 * (swarmkit's {@code RotationReconciler}): the next root becomes the swarm's only root, with new
 * join tokens ({@link RootCaChange#finish}). Nodes learn what they are to hold from their
 * heartbeats and renew by themselves, so unlike swarmkit this controller marks no node; it only
 * watches their reports. As in swarmkit, a node that is down holds the rotation until it comes
 * back and renews, or is removed. Its one id is the cluster.
 */
public final class RootRotationReconciler extends Controller {
    private static final String CLUSTER = "cluster";

    public RootRotationReconciler(Store store, Clock clock, Ticker ticker) {
        super(store, clock, ticker);
    }

    @Override
    protected Collection<String> affected(Event e) {
        return e.object() instanceof Node || e.object() instanceof Cluster ? List.of(CLUSTER) : List.of();
    }

    @Override
    protected Collection<String> all(ReadTx tx) {
        return List.of(CLUSTER);
    }

    @Override
    protected void reconcile(Set<String> ids) {
        store.update(tx -> {
            Cluster c = tx.cluster();
            if (c == null || c.rootCa() == null || c.rootCa().rotation() == null) return null;
            IssuerInfo desired = c.tlsInfo().issuer();
            List<Node> behind = tx.nodes().stream().filter(n -> !desired.equals(issuerOf(n))).toList();
            if (!behind.isEmpty()) {
                log.debug("root rotation: {} node(s) still to renew, {} first", behind.size(), behind.getFirst().id());
                return null;
            }
            tx.update(RootCaChange.finish(c));
            log.info("root rotation complete: every node holds a certificate of the new root");
            return null;
        });
    }

    private static IssuerInfo issuerOf(Node n) {
        return n.description() == null || n.description().tlsInfo() == null ? null : n.description().tlsInfo().issuer();
    }
}
