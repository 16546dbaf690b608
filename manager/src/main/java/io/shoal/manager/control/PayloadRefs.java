package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Config;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Secret;
import io.shoal.api.ServiceSpec;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/** A service's references to secrets and configs, as a write checks them against the store. */
final class PayloadRefs {
    private PayloadRefs() {}

    /**
     * The spec with each reference the {@code current} spec had dropped when a new one takes its
     * target: {@code service update --secret-add source=s_v2,target=s} keeps the reference to
     * {@code s} (the CLI sends both), which swarmkit refuses as a conflicting target; here the new
     * reference replaces the old, which is how a secret is rotated in one update.
     */
    static ServiceSpec replacingTargets(ServiceSpec next, ServiceSpec current) {
        ContainerSpec c = next.taskTemplate() == null ? null : next.taskTemplate().containerSpec();
        ContainerSpec was = current.taskTemplate() == null ? null : current.taskTemplate().containerSpec();
        if (c == null || was == null) return next;
        var secrets = replacing(c.secrets(), was.secrets(), ContainerSpec.SecretReference::file);
        var configs = replacing(c.configs(), was.configs(), ContainerSpec.ConfigReference::file);
        if (Objects.equals(secrets, c.secrets()) && Objects.equals(configs, c.configs())) return next;
        return next.withTaskTemplate(next.taskTemplate().withContainerSpec(c.withSecretsAndConfigs(secrets, configs)));
    }

    private static <R> List<R> replacing(List<R> refs, List<R> old, Function<R, ContainerSpec.FileTarget> file) {
        if (refs == null || old == null) return refs;
        Set<String> newTargets = new HashSet<>();
        for (R r : refs) {
            if (r != null && !old.contains(r) && file.apply(r) != null) newTargets.add(file.apply(r).name());
        }
        List<R> out = new ArrayList<>();
        for (R r : refs) {
            boolean replaced = r != null && old.contains(r) && file.apply(r) != null && newTargets.contains(file.apply(r).name());
            if (!replaced) out.add(r);
        }
        return out;
    }

    /** swarmkit's checkSecretExistence and checkConfigExistence: each reference's id names an object of that name. */
    static void requireExisting(ReadTx tx, ServiceSpec spec) {
        ContainerSpec c = spec.taskTemplate() == null ? null : spec.taskTemplate().containerSpec();
        if (c == null) return;
        List<String> missing = new ArrayList<>();
        if (c.secrets() != null) {
            for (var r : c.secrets()) {
                Secret s = tx.get(Kind.SECRET, r.secretId());
                if (s == null || !s.spec().name().equals(r.secretName())) missing.add(r.secretName());
            }
        }
        if (!missing.isEmpty()) throw notFound("secret", missing);
        if (c.configs() != null) {
            for (var r : c.configs()) {
                Config s = tx.get(Kind.CONFIG, r.configId());
                if (s == null || !s.spec().name().equals(r.configName())) missing.add(r.configName());
            }
        }
        if (!missing.isEmpty()) throw notFound("config", missing);
    }

    private static ApiException notFound(String word, List<String> names) {
        return ApiException.invalid("%s not found: %s", names.size() == 1 ? word : word + "s", String.join(", ", names));
    }
}
