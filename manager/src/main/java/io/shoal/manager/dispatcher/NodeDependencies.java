package io.shoal.manager.dispatcher;

import io.shoal.api.Config;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Secret;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.dispatcher.Dependencies;
import io.shoal.store.Event;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The secrets and configs one node holds (swarmkit's assignment set): those its assigned tasks
 * that have not ended refer to, as its assignment stream last sent them; {@link #refresh} tells
 * what to send and what the node must forget. Nothing of a secret ever changes but its labels, so
 * each is sent once, when the first task on the node that refers to it comes; so are the names of
 * those tasks' services (for templates), which never change either.
 */
final class NodeDependencies {
    private final String nodeId;
    private final Set<String> secrets = new HashSet<>();
    private final Set<String> configs = new HashSet<>();
    private final Set<String> services = new HashSet<>();

    NodeDependencies(String nodeId) {
        this.nodeId = nodeId;
    }

    /** Whether an event may change the set: a change of a task that refers to a secret or config. */
    static boolean concerns(Event e) {
        return e.kind() == Kind.TASK && (refers((Task) e.before()) || refers((Task) e.after()));
    }

    private static boolean refers(Task t) {
        ContainerSpec c = container(t);
        return c != null && (c.secrets() != null && !c.secrets().isEmpty() || c.configs() != null && !c.configs().isEmpty());
    }

    Dependencies refresh(ReadTx r) {
        Set<String> wantSecrets = new LinkedHashSet<>();
        Set<String> wantConfigs = new LinkedHashSet<>();
        Set<String> wantServices = new LinkedHashSet<>();
        for (Task t : r.tasksOfNode(nodeId)) {
            ContainerSpec c = container(t);
            if (!refers(t) || !Dispatcher.isAssigned(t) || t.state().isTerminal()) continue;
            wantServices.add(t.serviceId());
            if (c.secrets() != null) c.secrets().forEach(s -> wantSecrets.add(s.secretId()));
            if (c.configs() != null) c.configs().forEach(s -> wantConfigs.add(s.configId()));
        }
        List<Secret> newSecrets = new ArrayList<>();
        for (String id : wantSecrets) {
            Secret s = r.get(Kind.SECRET, id);
            // Gone from the store (removed once no service refers to it): its tasks cannot start anyway.
            if (s != null && secrets.add(id)) newSecrets.add(s);
        }
        List<Config> newConfigs = new ArrayList<>();
        for (String id : wantConfigs) {
            Config c = r.get(Kind.CONFIG, id);
            if (c != null && configs.add(id)) newConfigs.add(c);
        }
        Map<String, String> newServices = new HashMap<>();
        for (String id : wantServices) {
            Service s = r.service(id);
            if (s != null && services.add(id)) newServices.put(id, s.spec().name());
        }
        return new Dependencies(newSecrets, newConfigs, retainOnly(secrets, wantSecrets), retainOnly(configs, wantConfigs),
                newServices, retainOnly(services, wantServices));
    }

    /** Drops from {@code held} what is not {@code wanted}; returns what it dropped. */
    private static List<String> retainOnly(Set<String> held, Set<String> wanted) {
        List<String> gone = held.stream().filter(id -> !wanted.contains(id)).sorted().toList();
        gone.forEach(held::remove);
        return gone;
    }

    private static ContainerSpec container(Task t) {
        return t == null || t.spec() == null ? null : t.spec().containerSpec();
    }
}
