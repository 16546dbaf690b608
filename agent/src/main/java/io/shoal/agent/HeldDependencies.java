package io.shoal.agent;

import io.shoal.agent.exec.TaskDependencies;
import io.shoal.api.Config;
import io.shoal.api.Secret;
import io.shoal.api.dispatcher.Assignments;
import io.shoal.api.dispatcher.Dependencies;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The secrets and configs the dispatcher has given this node, in memory only, from the first task
 * that refers to one until the dispatcher says the last is gone. A task re-adopted from disk before
 * the session's COMPLETE assignments arrive may ask for one early: {@link #secret} waits a little.
 */
final class HeldDependencies implements TaskDependencies {
    /** How long a task being prepared waits for the dispatcher's first assignments after a restart. */
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Map<String, Secret> secrets = new HashMap<>(); // guarded by this
    private final Map<String, Config> configs = new HashMap<>(); // guarded by this
    private final Map<String, String> serviceNames = new HashMap<>(); // guarded by this

    synchronized void apply(Assignments.Type type, Dependencies d) {
        if (type == Assignments.Type.COMPLETE) {
            secrets.clear();
            configs.clear();
            serviceNames.clear();
        }
        d.removedSecrets().forEach(secrets::remove);
        d.removedConfigs().forEach(configs::remove);
        d.removedServices().forEach(serviceNames::remove);
        serviceNames.putAll(d.serviceNames());
        d.secrets().forEach(s -> secrets.put(s.id(), s));
        d.configs().forEach(c -> configs.put(c.id(), c));
        notifyAll();
    }

    @Override
    public Secret secret(String id) {
        return await(secrets, id);
    }

    @Override
    public Config config(String id) {
        return await(configs, id);
    }

    @Override
    public String serviceName(String serviceId) {
        return await(serviceNames, serviceId);
    }

    private synchronized <T> T await(Map<String, T> held, String id) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        try {
            for (long left; !held.containsKey(id) && (left = deadline - System.nanoTime()) > 0; ) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return held.get(id);
    }
}
