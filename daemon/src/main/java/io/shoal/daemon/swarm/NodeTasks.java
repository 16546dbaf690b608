package io.shoal.daemon.swarm;

import io.shoal.agent.logs.LogCollector;
import io.shoal.api.ApiException;
import io.shoal.daemon.engineapi.LocalTasks;
import java.util.List;
import java.util.function.Supplier;

/** The tasks this node holds, as its own endpoints see them, whatever its membership is at the moment. */
public final class NodeTasks implements LocalTasks {
    private final Supplier<Membership> membership;

    public NodeTasks(Supplier<Membership> membership) {
        this.membership = membership;
    }

    @Override
    public String nodeId() {
        SwarmState state = membership.get().state();
        return state == null ? null : state.nodeId();
    }

    @Override
    public List<LocalTask> tasks() {
        Member m = membership.get().member();
        return m == null ? List.of() : m.worker.held().stream()
                .map(h -> new LocalTask(h.task(), h.controller().healthStatus(), h.controller().logDirectory())).toList();
    }

    @Override
    public LogCollector logs() {
        Member m = membership.get().member();
        return m == null ? null : m.worker.logs();
    }

    /** A manager knows every service's name; a worker only the id its tasks carry. */
    @Override
    public String serviceName(String serviceId) {
        if (!(membership.get() instanceof Membership.Manager m)) return serviceId;
        try {
            return m.control().services().get(serviceId).spec().name();
        } catch (ApiException e) {
            return serviceId;
        }
    }
}
