package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

public record Service(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        ServiceSpec spec,
        ServiceSpec previousSpec,
        Endpoint endpoint,
        UpdateStatus updateStatus,
        ServiceStatus serviceStatus,
        JobStatus jobStatus) implements StoredObject {

    public record Endpoint(ServiceSpec.EndpointSpec spec, List<PortConfig> ports, List<VirtualIP> virtualIPs) {

        /** Publishes a port through the routing mesh: its tasks and a VIP of its own are on the ingress network. */
        public boolean publishesIngress() {
            return ports != null && ports.stream().anyMatch(p -> p.publishModeOrDefault() == PublishMode.INGRESS);
        }
    }

    public record VirtualIP(@JsonProperty("NetworkID") String networkId, String addr) {}

    public record UpdateStatus(UpdateState state, Instant startedAt, Instant completedAt, String message) {

        /** An update or rollback is rolling out. */
        public static boolean isRollingOut(UpdateStatus s) {
            return s != null && s.state() != null && s.state().isRollingOut();
        }
    }

    public record ServiceStatus(long runningTasks, long desiredTasks, long completedTasks) {}

    /**
     * A job's run: {@code jobIteration} counts its runs from 0 (swarmkit's), its tasks carry the
     * iteration they belong to, and {@code lastExecution} is when the run began.
     */
    public record JobStatus(Version jobIteration, Instant lastExecution) {
        public static JobStatus first(Instant now) {
            return new JobStatus(Version.NONE, now);
        }

        public JobStatus next(Instant now) {
            return new JobStatus(new Version(jobIteration.index() + 1), now);
        }

        /** The iteration's number, as its tasks carry it. */
        public long iteration() {
            return jobIteration.index();
        }
    }

    @Override
    public Service committed(Version v, Instant now) {
        return new Service(id, v, createdAt == null ? now : createdAt, now, spec, previousSpec, endpoint,
                updateStatus, serviceStatus, jobStatus);
    }

    public Service withSpec(ServiceSpec newSpec, ServiceSpec previous) {
        return new Service(id, version, createdAt, updatedAt, newSpec, previous, endpoint, updateStatus,
                serviceStatus, jobStatus);
    }

    public Service withEndpoint(Endpoint e) {
        return new Service(id, version, createdAt, updatedAt, spec, previousSpec, e, updateStatus, serviceStatus,
                jobStatus);
    }

    public Service withUpdateStatus(UpdateStatus u) {
        return new Service(id, version, createdAt, updatedAt, spec, previousSpec, endpoint, u, serviceStatus,
                jobStatus);
    }

    public Service withServiceStatus(ServiceStatus s) {
        return new Service(id, version, createdAt, updatedAt, spec, previousSpec, endpoint, updateStatus, s,
                jobStatus);
    }

    public Service withJobStatus(JobStatus j) {
        return new Service(id, version, createdAt, updatedAt, spec, previousSpec, endpoint, updateStatus, serviceStatus, j);
    }

    /** Publishes a port through the routing mesh (see {@link Endpoint#publishesIngress}). */
    public boolean publishesIngress() {
        return endpoint != null && endpoint.publishesIngress();
    }

    public ServiceMode mode() {
        return spec.mode();
    }
}
