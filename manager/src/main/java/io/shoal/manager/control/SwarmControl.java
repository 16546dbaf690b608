package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.SwarmSpec;
import io.shoal.manager.ca.RootCaChange;
import io.shoal.pki.JoinToken;
import io.shoal.pki.PkiException;
import io.shoal.pki.RootCa;
import io.shoal.pki.UnlockKey;
import io.shoal.store.Store;
import java.time.Duration;
import java.time.Instant;

/** The swarm's own settings and join tokens (swarmkit's controlapi cluster.go). */
public final class SwarmControl {
    private final Store store;

    SwarmControl(Store store) {
        this.store = store;
    }

    /** The swarm as the Engine API shows it: without the CA's key. */
    public Cluster get() {
        Cluster c = store.view(r -> r.cluster());
        if (c == null) throw ApiException.unavailable("This node is not a swarm manager.");
        return c.withoutSecrets();
    }

    /** The managers' unlock key, or "" while autolock is off (Docker's answer then, which the CLI reports as no key). */
    public String unlockKey() {
        get();
        String key = store.view(r -> r.cluster().unlockKey());
        return key == null ? "" : key;
    }

    public void update(long version, SwarmSpec spec, boolean rotateWorkerToken, boolean rotateManagerToken,
                       boolean rotateManagerUnlockKey) {
        if (spec == null) throw ApiException.invalid("swarm spec must be provided");
        check(spec);
        store.update(tx -> {
            Cluster c = tx.cluster();
            if (c == null) throw ApiException.unavailable("This node is not a swarm manager.");
            if (c.version().index() != version) throw ApiException.conflict("update out of sequence");
            // The signing key goes into the root CA state only, never into the stored spec.
            Cluster.RootCa rootCa = RootCaChange.apply(c.rootCa(), spec.caConfig(), Instant.now());
            Cluster next = c.withSpec(spec.caConfig() == null ? spec : spec.withCaConfig(spec.caConfig().withSigningCAKey(null)));
            if (rootCa != c.rootCa()) next = next.withRootCa(rootCa, RootCaChange.shown(rootCa));
            if (rotateWorkerToken || rotateManagerToken) {
                next = next.withJoinTokens(new Cluster.JoinTokens(
                        rotateWorkerToken ? JoinToken.parse(c.joinTokens().worker()).rotate().value() : c.joinTokens().worker(),
                        rotateManagerToken ? JoinToken.parse(c.joinTokens().manager()).rotate().value() : c.joinTokens().manager()));
            }
            tx.update(next.withUnlockKey(unlockKey(next, rotateManagerUnlockKey)));
            return null;
        });
    }

    /**
     * The unlock key a cluster should hold, as swarmkit's controlapi decides it: none while
     * autolock is off (turning it off drops the key), a new one when autolock has none or a
     * rotation is asked for, else the one it has. Every manager follows it ({@code NodeKeys}).
     */
    public static String unlockKey(Cluster c, boolean rotate) {
        if (c.spec().encryptionConfig() == null || !c.spec().encryptionConfig().autoLockManagers()) return null;
        return c.unlockKey() == null || rotate ? UnlockKey.generate().value() : c.unlockKey();
    }

    /** What {@code swarm init} and {@code swarm update} refuse in a swarm spec, with swarmkit's messages. */
    public static void check(SwarmSpec spec) {
        if (spec.orchestration() != null && spec.orchestration().taskHistoryRetentionLimit() != null
                && spec.orchestration().taskHistoryRetentionLimit() < -1) {
            throw ApiException.invalid("invalid task history retention limit %d", spec.orchestration().taskHistoryRetentionLimit());
        }
        if (spec.dispatcher() != null && spec.dispatcher().heartbeatPeriod() != null && spec.dispatcher().heartbeatPeriod() < 0) {
            throw ApiException.invalid("heartbeat period cannot be negative");
        }
        if (spec.caConfig() != null && spec.caConfig().externalCAs() != null && !spec.caConfig().externalCAs().isEmpty()) {
            throw ApiException.invalid("external CAs are not supported: the swarm's managers sign node certificates with its own root CA");
        }
        if (spec.caConfig() != null && spec.caConfig().nodeCertExpiry() != null) {
            try {
                RootCa.nodeCertExpiry(Duration.ofNanos(spec.caConfig().nodeCertExpiry()));
            } catch (PkiException e) {
                throw ApiException.of(e);
            }
        }
    }
}
