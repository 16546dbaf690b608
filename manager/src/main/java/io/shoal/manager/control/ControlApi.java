package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Ids;
import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.SwarmSpec;
import io.shoal.api.Task;
import io.shoal.api.Version;
import io.shoal.manager.allocator.PortAllocator;
import io.shoal.manager.role.Quorum;
import io.shoal.pki.JoinToken;
import io.shoal.pki.PkiException;
import io.shoal.pki.RootCa;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The writes users ask for, checked and turned into store transactions: what swarmkit's control
 * API does. Any manager may run it; its writes reach the leader through Raft and its version
 * checks make concurrent writers safe.
 */
public final class ControlApi {
    private static final Set<String> ROLES = Set.of("worker", "manager");
    private static final Set<String> AVAILABILITIES = Set.of("active", "pause", "drain");

    private final Store store;
    private final Clock clock;

    public ControlApi(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    public Store store() {
        return store;
    }

    public String createService(ServiceSpec requested) {
        ServiceSpec spec = requested != null && (requested.name() == null || requested.name().isEmpty())
                ? withName(requested, Names.random()) : requested;
        ServiceSpecs.validate(spec);
        ServiceSpec withMode = withDefaultReplicas(spec);
        String id = Ids.newId();
        return store.update(tx -> {
            Service s = new Service(id, Version.NONE, null, null, withMode, null, null, null, null, null);
            tx.create(s.withEndpoint(endpoint(s, tx)));
            return id;
        });
    }

    /**
     * Replaces a service's spec, based on {@code version} (a stale one is refused); with
     * {@code rollback} the previous spec comes back instead.
     */
    public void updateService(String idOrName, long version, ServiceSpec spec, boolean rollback) {
        store.update(tx -> {
            Service current = service(tx, idOrName);
            if (current.version().index() != version) throw ApiException.conflict("update out of sequence");
            ServiceSpec next;
            if (rollback) {
                if (current.previousSpec() == null) {
                    throw ApiException.invalid("service %s does not have a previous spec", current.id());
                }
                next = current.previousSpec();
            } else {
                ServiceSpecs.validate(spec);
                next = spec.mode() == null ? spec.withMode(current.spec().mode()) : withDefaultReplicas(spec);
                if (!Objects.equals(next.name(), current.spec().name())) {
                    throw ApiException.invalid("renaming services is not supported");
                }
                if (modeName(next.mode()) != modeName(current.spec().mode())) {
                    throw ApiException.invalid("service mode change is not allowed");
                }
            }
            Service updated = current.withSpec(next, current.spec());
            if (!next.taskTemplate().equals(current.spec().taskTemplate())
                    || !tx.tasksOfService(current.id()).isEmpty() && rollback) {
                var now = clock.instant();
                updated = updated.withUpdateStatus(rollback
                        ? new Service.UpdateStatus("rollback_started", now, null, "manually requested rollback")
                        : new Service.UpdateStatus("updating", now, null, "update in progress"));
            }
            tx.update(updated.withEndpoint(endpoint(updated, tx)));
            return null;
        });
    }

    /** Deletes the service; the task reaper marks its tasks for removal, so their agents stop them. */
    public void removeService(String idOrName) {
        store.update(tx -> {
            tx.delete(service(tx, idOrName));
            return null;
        });
    }

    public void updateNode(String idOrName, long version, Node.Spec spec) {
        if (spec == null) throw ApiException.invalid("node spec must be provided");
        if (spec.role() != null && !spec.role().isEmpty() && !ROLES.contains(spec.role())) {
            throw ApiException.invalid("invalid role %s: must be worker or manager", spec.role());
        }
        if (spec.availability() != null && !spec.availability().isEmpty() && !AVAILABILITIES.contains(spec.availability())) {
            throw ApiException.invalid("invalid availability %s: must be active, pause or drain", spec.availability());
        }
        store.update(tx -> {
            Node node = node(tx, idOrName);
            if (node.version().index() != version) throw ApiException.conflict("update out of sequence");
            Node.Spec next = new Node.Spec(spec.name(), spec.labels(),
                    blankTo(spec.role(), node.spec().role()), blankTo(spec.availability(), node.spec().availability()));
            if ("manager".equals(node.spec().role()) && "worker".equals(next.role())) checkDemotion(tx, node);
            tx.update(node.withSpec(next));
            return null;
        });
    }

    /**
     * Swarmkit's demotion checks. The role manager on the leader then takes the node out of the
     * Raft group; a promotion needs no check, the node joins the group itself.
     */
    private static void checkDemotion(ReadTx tx, Node node) {
        // Not in the group (a promotion not carried out yet, or a manager that left): nothing to keep.
        if (node.managerStatus() == null) return;
        List<Node> members = raftMembers(tx);
        if (members.size() <= 1) throw ApiException.invalid("attempting to demote the last manager of the swarm");
        if (!Quorum.canRemove(members, members.size(), node.id())) {
            throw ApiException.invalid("can't remove member from the raft: this would result in a loss of quorum");
        }
    }

    /** The nodes that are members of the managers' Raft group: those with a ManagerStatus. */
    public static List<Node> raftMembers(ReadTx r) {
        return r.nodes().stream().filter(n -> n.managerStatus() != null).toList();
    }

    public void removeNode(String idOrName, boolean force) {
        store.update(tx -> {
            Node node = node(tx, idOrName);
            // A manager that left the group (swarm leave --force) may go; a member must be demoted first.
            if ("manager".equals(node.spec().role()) && node.managerStatus() != null) {
                throw ApiException.invalid("node %s is a cluster manager and is a member of the raft cluster. "
                        + "It must be demoted to worker before removal", node.id());
            }
            if (node.isReady() && !force) {
                throw ApiException.invalid("node %s is not down and can't be removed", node.id());
            }
            tx.delete(node);
            return null;
        });
    }

    public void updateSwarm(long version, SwarmSpec spec, boolean rotateWorkerToken, boolean rotateManagerToken) {
        if (spec == null) throw ApiException.invalid("swarm spec must be provided");
        checkSwarmSpec(spec);
        store.update(tx -> {
            Cluster c = tx.cluster();
            if (c == null) throw ApiException.unavailable("This node is not a swarm manager.");
            if (c.version().index() != version) throw ApiException.conflict("update out of sequence");
            Cluster next = c.withSpec(spec);
            if (rotateWorkerToken || rotateManagerToken) {
                next = next.withJoinTokens(new Cluster.JoinTokens(
                        rotateWorkerToken ? JoinToken.parse(c.joinTokens().worker()).rotate().value() : c.joinTokens().worker(),
                        rotateManagerToken ? JoinToken.parse(c.joinTokens().manager()).rotate().value() : c.joinTokens().manager()));
            }
            tx.update(next);
            return null;
        });
    }

    /** What {@code swarm init} and {@code swarm update} refuse in a swarm spec, with swarmkit's messages. */
    public static void checkSwarmSpec(SwarmSpec spec) {
        if (spec.orchestration() != null && spec.orchestration().taskHistoryRetentionLimit() != null
                && spec.orchestration().taskHistoryRetentionLimit() < -1) {
            throw ApiException.invalid("invalid task history retention limit %d", spec.orchestration().taskHistoryRetentionLimit());
        }
        if (spec.dispatcher() != null && spec.dispatcher().heartbeatPeriod() != null && spec.dispatcher().heartbeatPeriod() < 0) {
            throw ApiException.invalid("heartbeat period cannot be negative");
        }
        if (spec.caConfig() != null && spec.caConfig().nodeCertExpiry() != null) {
            try {
                RootCa.nodeCertExpiry(Duration.ofNanos(spec.caConfig().nodeCertExpiry()));
            } catch (PkiException e) {
                throw ApiException.of(e);
            }
        }
    }

    private Service.Endpoint endpoint(Service s, ReadTx tx) {
        var spec = s.spec().endpointSpec();
        var withMode = new ServiceSpec.EndpointSpec(spec == null || spec.mode() == null || spec.mode().isEmpty()
                ? "vip" : spec.mode(), spec == null ? null : spec.ports());
        return new Service.Endpoint(withMode, PortAllocator.allocate(s, tx::services), null);
    }

    /** Resolves a service by full id, unique id prefix or name, as Docker does. */
    public static Service service(ReadTx r, String idOrName) {
        return resolve(r, Kind.SERVICE, idOrName, "service");
    }

    public static Node node(ReadTx r, String idOrName) {
        return resolve(r, Kind.NODE, idOrName, "node");
    }

    public static Task task(ReadTx r, String idOrPrefix) {
        return resolve(r, Kind.TASK, idOrPrefix, "task");
    }

    private static <T extends io.shoal.api.StoredObject> T resolve(ReadTx r, Kind kind, String ref, String what) {
        if (ref == null || ref.isEmpty()) throw ApiException.notFound("%s %s not found", what, ref);
        T byId = r.get(kind, ref);
        if (byId != null) return byId;
        List<T> all = r.list(kind);
        List<T> byName = all.stream().filter(o -> ref.equals(nameOf(o))).toList();
        if (byName.size() == 1) return byName.getFirst();
        List<T> byPrefix = all.stream().filter(o -> o.id().startsWith(ref)).toList();
        if (byPrefix.size() == 1) return byPrefix.getFirst();
        if (byPrefix.size() > 1 || byName.size() > 1) {
            throw ApiException.invalid("%s %s is ambiguous (%d matches found)", what, ref, Math.max(byPrefix.size(), byName.size()));
        }
        throw ApiException.notFound("%s %s not found", what, ref);
    }

    private static String nameOf(io.shoal.api.StoredObject o) {
        return switch (o) {
            case Service s -> s.spec().name();
            case Node n -> n.hostname() != null ? n.hostname() : n.spec().name();
            default -> null;
        };
    }

    private static int modeName(ServiceSpec.Mode m) {
        if (m == null || m.replicated() != null) return 0;
        if (m.global() != null) return 1;
        return m.replicatedJob() != null ? 2 : 3;
    }

    /** As dockerd does: no mode means replicated, and a replicated mode without a count means 1. */
    private static ServiceSpec withDefaultReplicas(ServiceSpec spec) {
        var mode = spec.mode();
        if (mode == null) return spec.withMode(new ServiceSpec.Mode(new ServiceSpec.Replicated(1L), null, null, null));
        if (mode.replicated() != null && mode.replicated().replicas() == null) {
            return spec.withMode(new ServiceSpec.Mode(new ServiceSpec.Replicated(1L), null, null, null));
        }
        return spec;
    }

    private static String blankTo(String v, String fallback) {
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static ServiceSpec withName(ServiceSpec s, String name) {
        return new ServiceSpec(name, s.labels(), s.taskTemplate(), s.mode(), s.updateConfig(), s.rollbackConfig(),
                s.networks(), s.endpointSpec());
    }

}
