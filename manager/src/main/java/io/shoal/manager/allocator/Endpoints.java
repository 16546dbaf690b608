package io.shoal.manager.allocator;

import io.shoal.api.EndpointMode;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.store.ReadTx;

/**
 * A service's endpoint as it is written with its spec: the endpoint spec with its mode (VIP unless
 * set), the published ports with every ingress port assigned ({@link PortAllocator}), and its
 * virtual IPs ({@link VirtualIps}). Whoever writes a spec (the control API, an automatic
 * rollback) writes this with it, in the same transaction, so a conflict refuses the write.
 */
public final class Endpoints {
    private Endpoints() {}

    public static Service.Endpoint of(Service s, ReadTx tx) {
        var spec = s.spec().endpointSpec();
        var withMode = new ServiceSpec.EndpointSpec(spec == null || spec.mode() == null ? EndpointMode.VIP : spec.mode(),
                spec == null ? null : spec.ports());
        var ports = new Service.Endpoint(withMode, PortAllocator.allocate(s, tx::services), null);
        return new Service.Endpoint(withMode, ports.ports(), VirtualIps.of(s, ports, tx));
    }
}
