package io.shoal.api.dispatcher;

import io.shoal.api.Config;
import io.shoal.api.Secret;
import java.util.List;

/**
 * The secrets and configs a node's tasks refer to (swarmkit's assignment set): a node holds one
 * from the first of its assigned tasks that refers to it until the last such task ends. In a
 * COMPLETE message {@code secrets} and {@code configs} are all the node must hold; in an
 * INCREMENTAL one the new ones, and {@code removedSecrets} and {@code removedConfigs} the ids
 * it must forget.
 */
public record Dependencies(List<Secret> secrets, List<Config> configs, List<String> removedSecrets,
                           List<String> removedConfigs) {
    public static final Dependencies NONE = new Dependencies(List.of(), List.of(), List.of(), List.of());

    public Dependencies {
        secrets = secrets == null ? List.of() : List.copyOf(secrets);
        configs = configs == null ? List.of() : List.copyOf(configs);
        removedSecrets = removedSecrets == null ? List.of() : List.copyOf(removedSecrets);
        removedConfigs = removedConfigs == null ? List.of() : List.copyOf(removedConfigs);
    }

    public boolean isEmpty() {
        return secrets.isEmpty() && configs.isEmpty() && removedSecrets.isEmpty() && removedConfigs.isEmpty();
    }
}
