package io.shoal.manager.allocator;

import io.shoal.api.ApiException;
import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.function.Supplier;
import java.util.Map;

/**
 * Ingress published ports are cluster-wide: each protocol/port belongs to at most one service.
 * A port the user did not choose is taken from swarmkit's dynamic range, 30000–32767.
 */
public final class PortAllocator {
    static final int DYNAMIC_FIRST = 30000;
    static final int DYNAMIC_LAST = 32767;

    private PortAllocator() {}

    /**
     * The published ports of {@code service}'s endpoint spec with every ingress port assigned,
     * keeping the ports it already had; refuses ports another service holds.
     */
    public static List<PortConfig> allocate(Service service, Supplier<List<Service>> others) {
        var spec = service.spec().endpointSpec();
        if (spec == null || spec.ports() == null || spec.ports().isEmpty()) return List.of();
        Map<String, Service> taken = new HashMap<>();
        for (Service o : others.get()) {
            if (o.id().equals(service.id())) continue;
            for (PortConfig p : published(o)) {
                if (isIngress(p)) taken.put(key(p.protocol(), p.publishedPort()), o);
            }
        }
        List<PortConfig> previous = published(service);
        List<PortConfig> out = new ArrayList<>();
        for (PortConfig p : spec.ports()) {
            PortConfig withDefaults = new PortConfig(p.name(), p.protocolOrDefault(), p.targetPort(), p.publishedPort(),
                    p.publishModeOrDefault());
            if (!isIngress(withDefaults)) {
                out.add(withDefaults);
                continue;
            }
            long port = withDefaults.publishedPort();
            if (port == 0) port = reuse(previous, withDefaults);
            if (port == 0) port = firstFree(taken, withDefaults.protocol());
            Service owner = taken.get(key(withDefaults.protocol(), port));
            if (owner != null) {
                throw ApiException.invalid("port '%d' is already in use by service '%s' (%s) as an ingress port",
                        port, owner.spec().name(), owner.id());
            }
            PortConfig assigned = withDefaults.withPublishedPort(port);
            taken.put(key(assigned.protocol(), port), service);
            out.add(assigned);
        }
        return out;
    }

    private static List<PortConfig> published(Service s) {
        return s.endpoint() == null || s.endpoint().ports() == null ? List.of() : s.endpoint().ports();
    }

    private static long reuse(List<PortConfig> previous, PortConfig p) {
        for (PortConfig old : previous) {
            if (old.targetPort() == p.targetPort() && old.protocol() == p.protocol() && isIngress(old)) {
                return old.publishedPort();
            }
        }
        return 0;
    }

    private static long firstFree(Map<String, Service> taken, Protocol protocol) {
        for (int port = DYNAMIC_FIRST; port <= DYNAMIC_LAST; port++) {
            if (!taken.containsKey(key(protocol, port))) return port;
        }
        throw ApiException.unavailable("no dynamic published port left in %d-%d", DYNAMIC_FIRST, DYNAMIC_LAST);
    }

    private static boolean isIngress(PortConfig p) {
        return p.publishModeOrDefault() == PublishMode.INGRESS;
    }

    private static String key(Protocol protocol, long port) {
        return protocol.wireName() + "/" + port;
    }
}
