package io.shoal.api;

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

    public record RootCa(String certPem, String keyPem) {}

    /** As the Engine API shows the cluster: without the CA's key or the unlock key. */
    public Cluster withoutSecrets() {
        return new Cluster(id, version, createdAt, updatedAt, spec, tlsInfo, rootRotationInProgress, dataPathPort,
                defaultAddrPool, subnetSize, joinTokens, null, null);
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
