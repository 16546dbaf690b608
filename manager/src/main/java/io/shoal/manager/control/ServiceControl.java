package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Ids;
import io.shoal.api.Network;
import io.shoal.api.Service;
import io.shoal.api.ServiceMode;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.UpdateState;
import io.shoal.api.Version;
import io.shoal.manager.allocator.Endpoints;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Services: created, respecified, rolled back, removed, listed (swarmkit's controlapi service.go).
 * A spec is stored with its networks named by id, in its task template, and the service with a
 * virtual IP on each of them and its published ports (see {@link Endpoints}).
 */
public final class ServiceControl {
    private final Store store;
    private final Clock clock;

    ServiceControl(Store store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Which services a list shows: by id prefix, name prefix, label and mode name; with
     * {@code status}, each with its running and desired task counts.
     */
    public record Query(List<String> idPrefixes, List<String> namePrefixes, List<String> labels, List<String> modes,
                        boolean status) {
        public static final Query ALL = new Query(List.of(), List.of(), List.of(), List.of(), false);
    }

    public String create(ServiceSpec requested) {
        ServiceSpec spec = requested != null && (requested.name() == null || requested.name().isEmpty())
                ? requested.withName(Names.random()) : requested;
        ServiceSpecs.validate(spec);
        ServiceSpec withMode = spec.mode() == null ? spec.withMode(new ServiceMode.Replicated(1)) : spec;
        String id = Ids.newId();
        return Allocating.write(() -> store.update(tx -> {
            PayloadRefs.requireExisting(tx, withMode);
            Service.JobStatus job = withMode.mode().isJob() ? Service.JobStatus.first(clock.instant()) : null;
            Service s = new Service(id, Version.NONE, null, null, withNetworkIds(withMode, tx), null, null, null, null, job);
            tx.create(s.withEndpoint(Endpoints.of(s, tx)));
            return id;
        }));
    }

    /**
     * Replaces a service's spec, based on {@code version} (a stale one is refused); with
     * {@code rollback} the previous spec comes back instead. A spec without a mode keeps the
     * service's.
     */
    public void update(String ref, long version, ServiceSpec spec, boolean rollback) {
        Allocating.write(() -> store.update(tx -> {
            Service current = Refs.service(tx, ref);
            if (current.version().index() != version) throw ApiException.conflict("update out of sequence");
            ServiceSpec next;
            if (rollback) {
                if (current.previousSpec() == null) {
                    throw ApiException.invalid("service %s does not have a previous spec", current.id());
                }
                next = current.previousSpec();
            } else {
                ServiceSpec replacing = spec == null ? null : PayloadRefs.replacingTargets(spec, current.spec());
                ServiceSpecs.validate(replacing);
                PayloadRefs.requireExisting(tx, replacing);
                next = withNetworkIds(replacing.mode() == null ? replacing.withMode(current.mode()) : replacing, tx);
                if (!Objects.equals(next.name(), current.spec().name())) {
                    throw ApiException.invalid("renaming services is not supported");
                }
                if (!next.mode().sameKindAs(current.mode())) throw ApiException.invalid("service mode change is not allowed");
            }
            Service respecified = current.withSpec(next, current.spec());
            Service updated = respecified.withEndpoint(Endpoints.of(respecified, tx));
            if (current.jobStatus() != null) {
                // Any update of a job runs it again (swarmkit's): no rolling update, a new iteration.
                tx.update(updated.withJobStatus(current.jobStatus().next(clock.instant())));
                return null;
            }
            // A changed endpoint spec replaces the tasks too (swarmkit's dirty tasks): they carry it.
            if (!next.taskTemplate().equals(current.spec().taskTemplate())
                    || !Objects.equals(updated.endpoint().spec(), current.endpoint() == null ? null : current.endpoint().spec())
                    || !tx.tasksOfService(current.id()).isEmpty() && rollback) {
                var now = clock.instant();
                updated = updated.withUpdateStatus(rollback
                        ? new Service.UpdateStatus(UpdateState.ROLLBACK_STARTED, now, null, "manually requested rollback")
                        : new Service.UpdateStatus(UpdateState.UPDATING, now, null, "update in progress"));
            }
            tx.update(updated);
            return null;
        }));
    }

    /** Deletes the service; the task reaper marks its tasks for removal, so their agents stop them. */
    public void remove(String ref) {
        store.update(tx -> {
            tx.delete(Refs.service(tx, ref));
            return null;
        });
    }

    public Service get(String ref) {
        return store.view(r -> Refs.service(r, ref));
    }

    public List<Service> list(Query q) {
        return store.view(r -> r.services().stream()
                .filter(s -> Selector.any(q.idPrefixes(), s.id()::startsWith))
                .filter(s -> Selector.any(q.namePrefixes(), s.spec().name()::startsWith))
                .filter(s -> Selector.labels(q.labels(), s.spec().labels()))
                .filter(s -> Selector.any(q.modes(), s.mode().filterName()::equals))
                .sorted(Comparator.comparing(Service::createdAt))
                .map(s -> q.status() ? s.withServiceStatus(status(r, s)) : s)
                .toList());
    }

    /**
     * The tasks running beside those wanted: a replica count, MaxConcurrent for a replicated job, or
     * one per node that runs the service (for a global job, per node still to complete); for a job,
     * only its current run's tasks count, and those completed too (swarmkit's ListServiceStatuses,
     * from which the docker CLI prints a job's "1/2 (3/5 completed)").
     */
    private static Service.ServiceStatus status(ReadTx r, Service s) {
        List<Task> tasks = r.tasksOfService(s.id()).stream().filter(t -> Tasks.ofCurrentRun(t, s)).toList();
        long running = tasks.stream().filter(t -> t.isRunnable() && t.state() == TaskState.RUNNING).count();
        long completed = s.mode().isJob() ? tasks.stream().filter(t -> t.state() == TaskState.COMPLETE).count() : 0;
        long desired = switch (s.mode()) {
            case ServiceMode.Replicated rep -> rep.replicas();
            case ServiceMode.ReplicatedJob job -> job.maxConcurrent();
            case ServiceMode.Global g -> tasks.stream().filter(Task::isRunnable).map(Task::nodeId).distinct().count();
            case ServiceMode.GlobalJob g -> tasks.stream().filter(t -> t.isRunnable() && t.state() != TaskState.COMPLETE)
                    .map(Task::nodeId).distinct().count();
        };
        return new Service.ServiceStatus(running, desired, completed);
    }

    /**
     * The spec with its networks in the task template (where the deprecated top-level Networks
     * move to, as the CLI moves them on update) and named by id, as dockerd resolves them; the
     * ingress network is the routing mesh's alone (swarmkit's refusal).
     */
    private static ServiceSpec withNetworkIds(ServiceSpec spec, ReadTx tx) {
        TaskSpec template = spec.taskTemplate();
        List<TaskSpec.NetworkAttachmentConfig> wanted = template.networks() != null && !template.networks().isEmpty()
                ? template.networks() : spec.networks();
        if (wanted == null || wanted.isEmpty()) return spec.withNetworks(null);
        List<TaskSpec.NetworkAttachmentConfig> resolved = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (TaskSpec.NetworkAttachmentConfig a : wanted) {
            if (a == null || a.target() == null || a.target().isEmpty()) throw ApiException.invalid("network target must be provided");
            Network n = Refs.network(tx, a.target());
            if (n.isIngress()) {
                throw ApiException.invalid("Service cannot be explicitly attached to the ingress network \"%s\"", n.spec().name());
            }
            if (!seen.add(n.id())) throw ApiException.invalid("service is already attached to network %s", a.target());
            resolved.add(a.withTarget(n.id()));
        }
        return spec.withNetworks(null).withTaskTemplate(template.withNetworks(resolved));
    }
}
