package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The container a task runs. Durations are nanoseconds, as in the Engine API. */
public record ContainerSpec(
        String image,
        Map<String, String> labels,
        List<String> command,
        List<String> args,
        String hostname,
        List<String> env,
        String dir,
        String user,
        List<String> groups,
        JsonNode privileges,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonProperty("TTY") boolean tty,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean openStdin,
        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean readOnly,
        List<Mount> mounts,
        String stopSignal,
        Long stopGracePeriod,
        @JsonProperty("Healthcheck") HealthConfig healthCheck,
        List<String> hosts,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("DNSConfig") JsonNode dnsConfig,
        List<SecretReference> secrets,
        List<ConfigReference> configs,
        String isolation,
        Boolean init,
        Map<String, String> sysctls,
        List<String> capabilityAdd,
        List<String> capabilityDrop,
        List<Ulimit> ulimits,
        Long oomScoreAdj) {

    public ContainerSpec withSecretsAndConfigs(List<SecretReference> s, List<ConfigReference> c) {
        return new ContainerSpec(image, labels, command, args, hostname, env, dir, user, groups, privileges, tty, openStdin,
                readOnly, mounts, stopSignal, stopGracePeriod, healthCheck, hosts, dnsConfig, s, c, isolation, init, sysctls,
                capabilityAdd, capabilityDrop, ulimits, oomScoreAdj);
    }

    public record Mount(
            String target,
            String source,
            String type,
            @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean readOnly,
            String consistency,
            JsonNode bindOptions,
            JsonNode volumeOptions,
            TmpfsOptions tmpfsOptions) {}

    public record TmpfsOptions(long sizeBytes, long mode, JsonNode options) {}

    public record HealthConfig(List<String> test, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long interval, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long timeout, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long retries,
                               @JsonInclude(JsonInclude.Include.NON_DEFAULT) long startPeriod, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long startInterval) {}

    public record FileTarget(String name, @JsonProperty("UID") String uid, @JsonProperty("GID") String gid, long mode) {}

    public record SecretReference(FileTarget file, @JsonProperty("SecretID") String secretId, String secretName) {}

    public record ConfigReference(FileTarget file, JsonNode runtime, @JsonProperty("ConfigID") String configId,
                                  String configName) {}

    public record Ulimit(String name, long soft, long hard) {}
}
