package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.ContainerSpec;
import io.shoal.api.EndpointMode;
import io.shoal.api.FailureAction;
import io.shoal.api.PublishMode;
import io.shoal.api.ServiceMode;
import io.shoal.api.PortConfig;
import io.shoal.api.ServiceSpec;
import io.shoal.api.TaskSpec;
import io.shoal.manager.scheduler.Constraint;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a service spec before it is stored, with swarmkit's wording where it has one. */
final class ServiceSpecs {
    /** A DNS label: the service name is the name other services resolve. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](?:[a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?");

    private ServiceSpecs() {}

    static void validate(ServiceSpec spec) {
        if (spec == null) throw ApiException.invalid("service spec must be provided");
        if (spec.name() == null || !NAME.matcher(spec.name()).matches()) {
            throw ApiException.invalid("invalid name %s: name must be valid as a DNS name component",
                    spec.name() == null ? "\"\"" : "\"" + spec.name() + "\"");
        }
        validateMode(spec.mode());
        validateTask(spec.taskTemplate());
        validateUpdate("UpdateConfig", spec.updateConfig(), true);
        validateUpdate("RollbackConfig", spec.rollbackConfig(), false);
        validateEndpoint(spec.endpointSpec());
    }

    private static void validateMode(ServiceMode mode) {
        switch (mode) {
            case null -> { }
            case ServiceMode.Replicated r when r.replicas() < 0 ->
                    throw ApiException.invalid("invalid replicas %d: the number of replicas must be 0 or more", r.replicas());
            case ServiceMode.ReplicatedJob j when j.maxConcurrent() < 0 || j.totalCompletions() < 0 ->
                    throw ApiException.invalid("invalid replicated job: MaxConcurrent and TotalCompletions must be 0 or more");
            default -> { }
        }
    }

    private static void validateTask(TaskSpec task) {
        if (task == null || task.containerSpec() == null) throw ApiException.invalid("TaskSpec: ContainerSpec must be provided");
        var c = task.containerSpec();
        if (c.image() == null || c.image().isBlank()) throw ApiException.invalid("ContainerSpec: image reference must be provided");
        if (c.stopGracePeriod() != null && c.stopGracePeriod() < 0) {
            throw ApiException.invalid("ContainerSpec: stop-grace-period cannot be negative");
        }
        var r = task.restartPolicy();
        if (r != null) {
            nonNegative("TaskSpec: RestartPolicy: restart-delay", r.delay());
            nonNegative("TaskSpec: RestartPolicy: restart-window", r.window());
            nonNegative("TaskSpec: RestartPolicy: restart-max-attempts", r.maxAttempts());
        }
        var res = task.resources();
        if (res != null) {
            if (res.limits() != null) {
                nonNegative("TaskSpec: Resources: Limits: NanoCPUs", res.limits().nanoCPUs());
                nonNegative("TaskSpec: Resources: Limits: MemoryBytes", res.limits().memoryBytes());
            }
            if (res.reservations() != null) {
                nonNegative("TaskSpec: Resources: Reservations: NanoCPUs", res.reservations().nanoCPUs());
                nonNegative("TaskSpec: Resources: Reservations: MemoryBytes", res.reservations().memoryBytes());
                if (res.limits() != null && res.limits().memoryBytes() > 0
                        && res.reservations().memoryBytes() > res.limits().memoryBytes()) {
                    throw ApiException.invalid("TaskSpec: Resources: memory reservation %d exceeds the memory limit %d",
                            res.reservations().memoryBytes(), res.limits().memoryBytes());
                }
            }
        }
        validateSecretRefs(c.secrets());
        validateConfigRefs(c.configs());
        if (task.placement() != null) {
            if (task.placement().constraints() != null) Constraint.parseAll(task.placement().constraints());
            if (task.placement().maxReplicas() < 0) throw ApiException.invalid("TaskSpec: Placement: max replicas cannot be negative");
        }
    }

    /** swarmkit's validateSecretRefsSpec: ids and names given, a file target each, no two on one target. */
    private static void validateSecretRefs(List<ContainerSpec.SecretReference> refs) {
        if (refs == null) return;
        Map<String, String> targets = new HashMap<>();
        for (var r : refs) {
            if (r == null || empty(r.secretId()) || empty(r.secretName())) throw ApiException.invalid("malformed secret reference");
            if (r.file() == null) throw ApiException.invalid("malformed secret reference, no target provided");
            if (empty(r.file().name())) throw ApiException.invalid("malformed file secret reference, invalid target file name provided");
            String before = targets.putIfAbsent(r.file().name(), r.secretName());
            if (before != null) {
                throw ApiException.invalid("secret references '%s' and '%s' have a conflicting target: '%s'", before,
                        r.secretName(), r.file().name());
            }
        }
    }

    /** swarmkit's validateConfigRefsSpec, for file targets (the only kind this daemon serves). */
    private static void validateConfigRefs(List<ContainerSpec.ConfigReference> refs) {
        if (refs == null) return;
        Map<String, String> targets = new HashMap<>();
        for (var r : refs) {
            if (r == null || empty(r.configId()) || empty(r.configName())) throw ApiException.invalid("malformed config reference");
            if (r.file() == null) {
                if (r.runtime() != null) throw new ApiException(501, "runtime config targets (credential specs) are not supported by this daemon");
                throw ApiException.invalid("malformed config reference, no target provided");
            }
            if (empty(r.file().name())) throw ApiException.invalid("malformed file config reference, invalid target file name provided");
            String before = targets.putIfAbsent(r.file().name(), r.configName());
            if (before != null) {
                throw ApiException.invalid("config references '%s' and '%s' have a conflicting target: '%s'", before,
                        r.configName(), r.file().name());
            }
        }
    }

    private static boolean empty(String s) {
        return s == null || s.isEmpty();
    }

    private static void validateUpdate(String what, ServiceSpec.UpdateConfig u, boolean mayRollback) {
        if (u == null) return;
        nonNegative(what + ": parallelism", u.parallelism());
        nonNegative(what + ": delay", u.delay());
        nonNegative(what + ": monitor", u.monitor());
        if (!mayRollback && u.failureAction() == FailureAction.ROLLBACK) {
            throw ApiException.invalid("%s: invalid failure action %s", what, u.failureAction().wireName());
        }
        if (u.maxFailureRatio() != null && (u.maxFailureRatio() < 0 || u.maxFailureRatio() > 1)) {
            throw ApiException.invalid("%s: max failure ratio must be between 0 and 1", what);
        }
    }

    private static void validateEndpoint(ServiceSpec.EndpointSpec e) {
        if (e == null || e.ports() == null) return;
        Set<String> published = new HashSet<>();
        for (PortConfig p : e.ports()) {
            if (p == null) throw ApiException.invalid("EndpointSpec: a port must be an object, not null");
            if (p.targetPort() < 1 || p.targetPort() > 65535) {
                throw ApiException.invalid("EndpointSpec: invalid target port %d", p.targetPort());
            }
            if (p.publishedPort() < 0 || p.publishedPort() > 65535) {
                throw ApiException.invalid("EndpointSpec: invalid published port %d", p.publishedPort());
            }
            if (p.publishedPort() != 0 && !published.add(p.protocolOrDefault().wireName() + "/" + p.publishedPort())) {
                throw ApiException.invalid("EndpointSpec: duplicate published ports provided");
            }
        }
        if (e.mode() == EndpointMode.DNSRR && e.ports().stream().anyMatch(p -> p.publishModeOrDefault() == PublishMode.INGRESS)) {
            throw ApiException.invalid("EndpointSpec: port published with ingress mode can't be used with dnsrr mode");
        }
    }

    private static void nonNegative(String what, Long v) {
        if (v != null && v < 0) throw ApiException.invalid("%s cannot be negative", what);
    }
}
