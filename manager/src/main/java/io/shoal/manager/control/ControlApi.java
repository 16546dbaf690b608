package io.shoal.manager.control;

import io.shoal.api.Config;
import io.shoal.api.Secret;
import io.shoal.store.Store;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * What users ask of the swarm, checked and turned into store reads and transactions: swarmkit's
 * control API, one part per kind of object. Any manager may serve it; its writes reach the leader
 * through Raft, and version checks make concurrent writers safe.
 */
public final class ControlApi {
    private final ServiceControl services;
    private final TaskControl tasks;
    private final NodeControl nodes;
    private final SwarmControl swarm;
    private final NetworkControl networks;
    private final PayloadControl<Secret> secrets;
    private final PayloadControl<Config> configs;

    /** @param leader the node id of the manager that leads now, as Raft knows it (null when none does) */
    public ControlApi(Store store, Clock clock, Supplier<String> leader) {
        this.services = new ServiceControl(store, clock);
        this.tasks = new TaskControl(store);
        this.nodes = new NodeControl(store, leader);
        this.swarm = new SwarmControl(store);
        this.networks = new NetworkControl(store);
        this.secrets = new PayloadControl<>(store, PayloadControl.SECRETS);
        this.configs = new PayloadControl<>(store, PayloadControl.CONFIGS);
    }

    public ServiceControl services() {
        return services;
    }

    public TaskControl tasks() {
        return tasks;
    }

    public NodeControl nodes() {
        return nodes;
    }

    public SwarmControl swarm() {
        return swarm;
    }

    public NetworkControl networks() {
        return networks;
    }

    public PayloadControl<Secret> secrets() {
        return secrets;
    }

    public PayloadControl<Config> configs() {
        return configs;
    }
}
