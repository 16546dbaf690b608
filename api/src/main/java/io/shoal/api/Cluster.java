package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/** The swarm itself: one object per cluster. The Engine API calls it Swarm (with JoinTokens) or ClusterInfo. */
public record Cluster(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        SwarmSpec spec,
        @JsonProperty("TLSInfo") Node.TlsInfo tlsInfo,
        boolean rootRotationInProgress,
        long dataPathPort,
        List<String> defaultAddrPool,
        long subnetSize,
        JoinTokens joinTokens,
        /** The swarm's root CA with its signing key: kept in the replicated store, never in an API response. */
        @JsonProperty("RootCA") RootCa rootCa,
        /** The managers' unlock key ({@code SWMKEY-1-...}) while autolock is on: in the store, never in an API response. */
        String unlockKey) implements StoredObject {

    public Cluster(String id, Version version, Instant createdAt, Instant updatedAt, SwarmSpec spec, Node.TlsInfo tlsInfo,
                   boolean rootRotationInProgress, long dataPathPort, List<String> defaultAddrPool, long subnetSize,
                   JoinTokens joinTokens, RootCa rootCa) {
        this(id, version, createdAt, updatedAt, spec, tlsInfo, rootRotationInProgress, dataPathPort, defaultAddrPool,
                subnetSize, joinTokens, rootCa, null);
    }

    public record JoinTokens(String worker, String manager) {}

    /**
     * @param lastForcedRotation the {@code CAConfig.ForceRotate} the current root (or rotation) answered
     * @param rotation the root being rotated to, while a rotation is in progress
     */
    public record RootCa(String certPem, String keyPem, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long lastForcedRotation,
                         RootRotation rotation) {
        public RootCa(String certPem, String keyPem) {
            this(certPem, keyPem, 0, null);
        }
    }

    /**
     * A root rotation in progress (swarmkit's RootRotation): the next root with its key, and the
     * next root's certificate signed by the current root, sent with node certificates meanwhile.
     */
    public record RootRotation(String caCertPem, String caKeyPem, String crossSignedCaCertPem) {}

    /** As the Engine API shows the cluster: without the CA's keys or the unlock key. */
    public Cluster withoutSecrets() {
        SwarmSpec shown = spec;
        if (spec != null && spec.caConfig() != null && spec.caConfig().signingCAKey() != null) {
            shown = spec.withCaConfig(spec.caConfig().withSigningCAKey(null));
        }
        return new Cluster(id, version, createdAt, updatedAt, shown, tlsInfo, rootRotationInProgress, dataPathPort,
                defaultAddrPool, subnetSize, joinTokens, null, null);
    }

    /** The cluster with another root CA state, and what the Engine API shows of it. */
    public Cluster withRootCa(RootCa r, Node.TlsInfo shown) {
        return new Cluster(id, version, createdAt, updatedAt, spec, shown, r.rotation() != null, dataPathPort,
                defaultAddrPool, subnetSize, joinTokens, r, unlockKey);
    }

    @Override
    public Cluster committed(Version v, Instant now) {
        return new Cluster(id, v, createdAt == null ? now : createdAt, now, spec, tlsInfo, rootRotationInProgress,
                dataPathPort, defaultAddrPool, subnetSize, joinTokens, rootCa, unlockKey);
    }

    public Cluster withSpec(SwarmSpec s) {
        return new Cluster(id, version, createdAt, updatedAt, s, tlsInfo, rootRotationInProgress, dataPathPort,
                defaultAddrPool, subnetSize, joinTokens, rootCa, unlockKey);
    }

    public Cluster withJoinTokens(JoinTokens t) {
        return new Cluster(id, version, createdAt, updatedAt, spec, tlsInfo, rootRotationInProgress, dataPathPort,
                defaultAddrPool, subnetSize, t, rootCa, unlockKey);
    }

    public Cluster withUnlockKey(String key) {
        return new Cluster(id, version, createdAt, updatedAt, spec, tlsInfo, rootRotationInProgress, dataPathPort,
                defaultAddrPool, subnetSize, joinTokens, rootCa, key);
    }
}
