package io.shoal.daemon.swarm;

import io.shoal.api.Cluster;
import io.shoal.pki.NodeKeys;
import io.shoal.pki.UnlockKey;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.Store;
import io.shoal.store.Watch;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this manager's key files under the swarm's unlock key as its copy of the cluster object
 * has it (swarmkit's manager watches the cluster for KEK changes the same way): autolock turned
 * on seals them, a rotation reseals them, autolock turned off writes them in clear. It runs on
 * every manager, leader or not, so a manager that was down during a rotation still opens with the
 * key it last saw, and follows the new one once its store has caught up. Level-triggered: at each
 * change of the cluster object, and every minute besides (a store replaced whole by a state
 * transfer, a write that failed; every 500 ms while the store has no cluster yet), it compares the store with the files ({@link NodeKeys#follow}).
 */
final class UnlockKeyFollower implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UnlockKeyFollower.class);
    private static final long RECHECK_MILLIS = 60_000;
    private static final long UNKNOWN_RECHECK_MILLIS = 500;

    private final Store store;
    private final NodeKeys keys;
    private final Thread thread;

    UnlockKeyFollower(Store store, NodeKeys keys) {
        this.store = store;
        this.keys = keys;
        Watch watch = store.watch();
        this.thread = Thread.ofVirtual().name("unlock-key").start(() -> run(watch));
    }

    private void run(Watch watch) {
        try (watch) {
            boolean known = follow();
            while (true) {
                // A manager that catches up from another's state gets its cluster object without an event.
                List<Event> events = watch.next(known ? RECHECK_MILLIS : UNKNOWN_RECHECK_MILLIS);
                if (events.isEmpty() || events.stream().anyMatch(e -> e.kind() == Kind.CLUSTER)) known = follow();
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Follows the store's unlock key; false while the store has no cluster object yet. */
    private boolean follow() {
        Cluster cluster = store.view(r -> r.cluster());
        if (cluster == null) return false;
        try {
            UnlockKey key = cluster.unlockKey() == null ? null : UnlockKey.parse(cluster.unlockKey());
            if (keys.follow(key, cluster.version().index())) {
                log.info(key == null ? "autolock is off: this manager's keys are in clear"
                        : "this manager's keys are sealed with the swarm's unlock key of cluster version {}", cluster.version().index());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("writing this manager's keys for the swarm's unlock key failed (tried again at the next change): {}", e.getMessage());
        }
        return true;
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
