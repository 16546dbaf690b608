package io.shoal.manager.allocator;

import io.shoal.api.PublishMode;
import io.shoal.api.Protocol;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.PortConfig;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Version;
import io.shoal.manager.orchestrator.Harness;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Ingress port allocation on its own; {@code ControlApiTest} checks it through service create and update. */
class PortAllocatorTest {

    private static Service service(String id, List<PortConfig> requested, List<PortConfig> allocated) {
        var spec = Harness.withPorts(Harness.replicated(id, Harness.template("app:1"), 1), requested.toArray(PortConfig[]::new));
        return new Service(id, Version.NONE, null, null, spec, null,
                allocated == null ? null : new Service.Endpoint(spec.endpointSpec(), allocated, null), null, null, null);
    }

    private static PortConfig port(long target, long published) {
        return new PortConfig(null, null, target, published, null);
    }

    @Test
    void dynamicPortsComeFromTheRangeAndSkipTakenOnes() {
        Service a = service("a", List.of(port(80, 0)), List.of(new PortConfig(null, Protocol.TCP, 80, 30000, PublishMode.INGRESS)));
        Service b = service("b", List.of(port(80, 0), port(81, 0), new PortConfig(null, Protocol.UDP, 53, 0, null)), null);
        List<PortConfig> got = PortAllocator.allocate(b, () -> List.of(a, b));
        assertEquals(List.of(
                new PortConfig(null, Protocol.TCP, 80, 30001, PublishMode.INGRESS),
                new PortConfig(null, Protocol.TCP, 81, 30002, PublishMode.INGRESS),
                new PortConfig(null, Protocol.UDP, 53, 30000, PublishMode.INGRESS)), got, "udp/30000 is a different port from tcp/30000");
    }

    @Test
    void hostModePortsAreNotAllocated() {
        Service a = service("a", List.of(new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.HOST)), null);
        Service b = service("b", List.of(new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.HOST)), null);
        var allocatedA = PortAllocator.allocate(a, () -> List.of());
        Service aStored = service("a", List.of(new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.HOST)), allocatedA);
        assertEquals(List.of(new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.HOST)), PortAllocator.allocate(b, () -> List.of(aStored)));
    }

    @Test
    void anIngressPortHeldByAnotherServiceIsRefused() {
        Service a = service("a", List.of(port(80, 8080)), List.of(new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.INGRESS)));
        Service b = service("b", List.of(port(81, 8080)), null);
        ApiException e = assertThrows(ApiException.class, () -> PortAllocator.allocate(b, () -> List.of(a)));
        assertTrue(e.getMessage().startsWith("port '8080' is already in use by service 'a' (a)"), e.getMessage());
    }

    @Test
    void noPortsNoEndpointPorts() {
        Service a = new Service("a", Version.NONE, null, null,
                Harness.replicated("a", Harness.template("app:1"), 1), null, null, null, null, null);
        assertEquals(List.of(), PortAllocator.allocate(a, () -> List.of()));
        ServiceSpec spec = a.spec();
        assertEquals(null, spec.endpointSpec());
    }
}
