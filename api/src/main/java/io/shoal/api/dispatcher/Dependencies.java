package io.shoal.api.dispatcher;

import io.shoal.api.Config;
import io.shoal.api.Secret;
import java.util.List;
import java.util.Map;

/**
 * The secrets and configs a node's tasks refer to (swarmkit's assignment set): a node holds one
 * from the first of its assigned tasks that refers to it until the last such task ends. In a
 * COMPLETE message {@code secrets} and {@code configs} are all the node must hold; in an
 * INCREMENTAL one the new ones, and {@code removedSecrets} and {@code removedConfigs} the ids
 * it must forget. {@code serviceNames} (service id to name) and {@code removedServices} do the
 * same for the services of those tasks: a worker knows a task's service by id only, and a
 * template may ask for its name.
 */
public record Dependencies(List<Secret> secrets, List<Config> configs, List<String> removedSecrets,
                           List<String> removedConfigs, Map<String, String> serviceNames, List<String> removedServices) {
    public static final Dependencies NONE = new Dependencies(List.of(), List.of(), List.of(), List.of(), Map.of(), List.of());

    public Dependencies {
        serviceNames = serviceNames == null ? Map.of() : Map.copyOf(serviceNames);
        removedServices = removedServices == null ? List.of() : List.copyOf(removedServices);
        secrets = secrets == null ? List.of() : List.copyOf(secrets);
        configs = configs == null ? List.of() : List.copyOf(configs);
        removedSecrets = removedSecrets == null ? List.of() : List.copyOf(removedSecrets);
        removedConfigs = removedConfigs == null ? List.of() : List.copyOf(removedConfigs);
    }

    public boolean isEmpty() {
        return secrets.isEmpty() && configs.isEmpty() && removedSecrets.isEmpty() && removedConfigs.isEmpty()
                && serviceNames.isEmpty() && removedServices.isEmpty();
    }
}
