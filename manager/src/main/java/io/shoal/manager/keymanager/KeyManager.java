package io.shoal.manager.keymanager;

import io.shoal.api.NetworkKey;
import io.shoal.api.Node;
import io.shoal.api.NodeKey;
import io.shoal.manager.Controller;
import io.shoal.manager.Ticker;
import io.shoal.store.Change;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The keys of encrypted networks (after swarmkit's keymanager, which rotates the cluster's network
 * keys): a WireGuard key pair for every node, made when the node joins and deleted once it is
 * removed, and every encrypted network's preshared key replaced each {@code rotation} (Docker
 * rotates its overlay encryption keys every 12 hours). A network's first key is made with the
 * network, in the same write; the views carry every change to the nodes. Its ids are nodes (and
 * node keys left by a removed node) and networks with a key; a rotation is a timer on the network,
 * due {@code rotation} after its key was made.
 *
 * <p>Node key pairs are not rotated: WireGuard already replaces its session keys every two minutes
 * from fresh ephemeral keys, so a node's static key only authenticates it; a new one would cost
 * every peer of the node a handshake gap (about 100 ms per network) and a write per node. A node
 * that leaves and joins again is a new node with a new key pair.
 */
public final class KeyManager extends Controller {
    /** How often Docker rotates its overlay encryption keys (swarmkit's keymanager default). */
    public static final Duration DEFAULT_ROTATION = Duration.ofHours(12);

    private final Duration rotation;

    public KeyManager(Store store, Clock clock, Ticker ticker, Duration rotation) {
        super(store, clock, ticker);
        if (rotation.isNegative() || rotation.isZero()) throw new IllegalArgumentException("rotation period must be positive: " + rotation);
        this.rotation = rotation;
    }

    @Override
    protected Collection<String> affected(Event e) {
        return switch (e.object()) {
            case Node n when e.op() != Change.Op.UPDATE -> List.of(n.id());
            case NodeKey k when e.op() == Change.Op.DELETE -> List.of(k.id());
            case NetworkKey k when e.op() != Change.Op.DELETE -> List.of(k.id());
            default -> List.of();
        };
    }

    @Override
    protected Collection<String> all(ReadTx r) {
        Set<String> ids = new HashSet<>();
        r.nodes().forEach(n -> ids.add(n.id()));
        r.<NodeKey>list(Kind.NODE_KEY).forEach(k -> ids.add(k.id()));
        r.<NetworkKey>list(Kind.NETWORK_KEY).forEach(k -> ids.add(k.id()));
        return ids;
    }

    @Override
    protected void reconcile(Set<String> ids) {
        Instant now = clock.instant();
        store.batch(b -> {
            for (String id : ids) {
                b.update(tx -> {
                    Node node = tx.node(id);
                    NodeKey pair = tx.nodeKey(id);
                    if (node != null && pair == null) tx.create(NodeKey.generate(id));
                    if (node == null && pair != null) tx.delete(pair);
                    NetworkKey shared = tx.networkKey(id);
                    if (shared == null) return;
                    Instant due = shared.updatedAt().plus(rotation);
                    if (now.isBefore(due)) reconcileAfter(id, Duration.between(now, due));
                    else tx.update(shared.rotated());
                });
            }
        });
    }
}
