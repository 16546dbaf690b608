package io.shoal.manager.scheduler;

import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import java.util.List;

/** A port a task publishes directly on its node (PublishMode host), which only one task per node can hold. */
record HostPort(Protocol protocol, long port) {

    /**
     * The host-mode ports of a service's tasks, read from its spec: a task made from an older
     * endpoint spec is being replaced by the update that changed it. A port of 0 means "any free
     * port" and never conflicts.
     */
    static List<HostPort> of(Service service) {
        if (service == null || service.spec() == null || service.spec().endpointSpec() == null
                || service.spec().endpointSpec().ports() == null) {
            return List.of();
        }
        return service.spec().endpointSpec().ports().stream()
                .filter(p -> p.publishMode() == PublishMode.HOST && p.publishedPort() != 0)
                .map(HostPort::of)
                .toList();
    }

    private static HostPort of(PortConfig p) {
        return new HostPort(p.protocolOrDefault(), p.publishedPort());
    }
}
