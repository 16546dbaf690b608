package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** Cluster-wide settings. Durations are nanoseconds. */
public record SwarmSpec(
        String name,
        @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels,
        Orchestration orchestration,
        Raft raft,
        Dispatcher dispatcher,
        @JsonProperty("CAConfig") CaConfig caConfig,
        EncryptionConfig encryptionConfig,
        TaskDefaults taskDefaults) {

    public SwarmSpec withCaConfig(CaConfig c) {
        return new SwarmSpec(name, labels, orchestration, raft, dispatcher, c, encryptionConfig, taskDefaults);
    }

    public record Orchestration(Long taskHistoryRetentionLimit) {}

    public record Raft(long snapshotInterval, Long keepOldSnapshots, long logEntriesForSlowFollowers,
                       long electionTick, long heartbeatTick) {}

    public record Dispatcher(Long heartbeatPeriod) {}

    public record CaConfig(Long nodeCertExpiry, @JsonProperty("ExternalCAs") List<JsonNode> externalCAs,
                           @JsonProperty("SigningCACert") String signingCACert,
                           @JsonProperty("SigningCAKey") String signingCAKey,
                           @JsonInclude(JsonInclude.Include.NON_DEFAULT) long forceRotate) {
        public CaConfig withSigningCAKey(String key) {
            return new CaConfig(nodeCertExpiry, externalCAs, signingCACert, key, forceRotate);
        }
    }

    public record EncryptionConfig(boolean autoLockManagers) {}

    public record TaskDefaults(Driver logDriver) {}

    /** The same settings with the managers' autolock on or off. */
    public SwarmSpec withAutoLock(boolean on) {
        return new SwarmSpec(name, labels, orchestration, raft, dispatcher, caConfig, new EncryptionConfig(on), taskDefaults);
    }
}
