package io.shoal.manager.allocator;

import io.shoal.api.ApiException;
import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.Service;
import io.shoal.api.TaskSpec;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A service's virtual IPs: one on the ingress network when it publishes a port through the routing
 * mesh (as swarmkit gives it, first), and one on each network its tasks attach to, in VIP mode, given when the
 * service is created or updated so that a network without room refuses the write at once (moby#43052:
 * Docker leaves the service without one and its tasks stuck). A network the service stays on
 * keeps its VIP; one it leaves frees it. Addresses come from the lowest free up, apart from the
 * allocator's next-fit for tasks, so that the two seldom reach for the same one at the same time
 * (the store refuses the second when they do).
 */
public final class VirtualIps {
    /** Holds the addresses of a pool read from the store: who holds them does not matter there. */
    private static final String IN_USE = "";

    private VirtualIps() {}

    /**
     * The VIPs {@code service} (its spec's networks already named by id) holds once written through
     * {@code tx} with {@code endpoint} (its published ports allocated). A service that publishes
     * through the routing mesh without an ingress network is refused, as swarmkit refuses it.
     */
    public static List<Service.VirtualIP> of(Service service, Service.Endpoint endpoint, ReadTx tx) {
        List<Service.VirtualIP> held = service.endpoint() == null || service.endpoint().virtualIPs() == null
                ? List.of() : service.endpoint().virtualIPs();
        List<Network> networks = new ArrayList<>();
        if (endpoint.publishesIngress()) {
            networks.add(tx.networks().stream().filter(n -> n.isIngress() && n.allocated() != null).findFirst()
                    .orElseThrow(() -> ApiException.invalid("%s", Ipam.NO_INGRESS)));
        }
        List<TaskSpec.NetworkAttachmentConfig> attached = service.spec().taskTemplate() == null
                ? null : service.spec().taskTemplate().networks();
        if (endpoint.spec().mode() != EndpointMode.DNSRR && attached != null) {
            for (TaskSpec.NetworkAttachmentConfig a : attached) {
                if (tx.get(Kind.NETWORK, a.target()) instanceof Network n && !n.isPredefined()) networks.add(n);
            }
        }
        List<Service.VirtualIP> out = new ArrayList<>();
        for (Network n : networks) {
            Service.VirtualIP kept = held.stream().filter(v -> v.networkId().equals(n.id())).findFirst().orElse(null);
            out.add(kept != null ? kept : allocate(n, tx));
        }
        return out;
    }

    private static Service.VirtualIP allocate(Network n, ReadTx tx) {
        AddressPool pool = AddressPool.of(n);
        for (int a : tx.addressesInUse(n.id())) pool.hold(a, IN_USE);
        OptionalInt vip = pool.allocate(IN_USE);
        if (vip.isEmpty()) {
            throw ApiException.invalid("could not find an available IP while allocating VIP: %s", Ipam.exhausted(n));
        }
        return new Service.VirtualIP(n.id(), n.subnet().withAddress(vip.getAsInt()).toString());
    }
}
