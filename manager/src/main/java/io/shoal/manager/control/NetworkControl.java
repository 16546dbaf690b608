package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Driver;
import io.shoal.api.Ids;
import io.shoal.api.Network;
import io.shoal.api.NetworkKey;
import io.shoal.api.Node;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.Version;
import io.shoal.manager.allocator.NetworkAllocator;
import io.shoal.manager.allocator.NetworkConfig;
import io.shoal.store.Kind;
import io.shoal.store.ReadTx;
import io.shoal.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Networks: created (allocated at once, see {@link NetworkAllocator}; an encrypted one with its
 * preshared key), listed, inspected with their services and tasks, removed (with its key) and
 * pruned (swarmkit's controlapi network.go, with dockerd's name check and prune).
 */
public final class NetworkControl {
    private static final Logger log = LoggerFactory.getLogger(NetworkControl.class);
    private static final String SWARM = "swarm";

    private final Store store;

    NetworkControl(Store store) {
        this.store = store;
    }

    /**
     * Which networks a list shows, as Docker's filters mean them: a name or id that equals a value
     * or matches it as a regular expression, every label, a driver, the scope ("swarm"), the type
     * ("custom"; the swarm's own networks are not listed), and with {@code dangling} only those
     * no service or task uses (or, false, only those in use).
     */
    public record Query(List<String> names, List<String> ids, List<String> labels, List<String> drivers,
                        List<String> scopes, List<String> types, Boolean dangling) {
        public static final Query ALL = new Query(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null);
    }

    /** A service on a network, as {@code network inspect --verbose} shows it: its VIP there (null in dnsrr mode) and its tasks. */
    public record ServiceEndpoints(Service service, String virtualIp, List<TaskEndpoint> tasks) {}

    /** A task's address on the network and the node it is on (null while it has none). */
    public record TaskEndpoint(Task task, String address, Node node) {}

    /** The networks a new swarm starts with: the routing mesh's {@code ingress}, and {@code host} for services on the host's network. */
    public static List<Network> initial(NetworkConfig config) {
        Network ingress = new Network(Ids.newId(), Version.NONE, null, null,
                new Network.Spec("ingress", null, new Driver(NetworkAllocator.DRIVER, null), false, false, false, true,
                        new Network.IpamOptions(new Driver(NetworkAllocator.DEFAULT_IPAM, null), null), SWARM),
                null, null);
        Network host = new Network(Ids.newId(), Version.NONE, null, null,
                new Network.Spec("host", Map.of(Network.PREDEFINED, "true"), new Driver("host", null), false, false, false,
                        false, null, SWARM),
                null, null);
        return List.of(NetworkAllocator.allocate(ingress, config, List.of()), host);
    }

    public String create(Network.Spec requested) {
        NetworkSpecs.validate(requested);
        Network.Spec spec = asStored(requested);
        String id = Ids.newId();
        return Allocating.write(() -> store.update(tx -> {
            if (tx.byName(Kind.NETWORK, spec.name()) != null) {
                throw ApiException.conflict("network with name %s already exists", spec.name());
            }
            List<Network> others = tx.networks();
            if (spec.ingress()) {
                for (Network o : others) {
                    if (o.isIngress()) throw ApiException.conflict("ingress network (%s) is already present", o.id());
                }
            }
            Network network = NetworkAllocator.allocate(new Network(id, Version.NONE, null, null, spec, null, null),
                    NetworkConfig.of(tx.cluster()), others);
            tx.create(network);
            // In the same write: an encrypted network never exists without its key.
            if (network.isEncrypted()) tx.create(NetworkKey.generate(id));
            return id;
        }));
    }

    /** The spec as kept: the daemon's one driver when none is named, and the swarm's scope. */
    private static Network.Spec asStored(Network.Spec s) {
        Driver d = s.driverConfiguration();
        Driver driver = d == null || d.name() == null || d.name().isEmpty()
                ? new Driver(NetworkAllocator.DRIVER, d == null ? null : d.options()) : d;
        return new Network.Spec(s.name(), s.labels(), driver, s.ipv6Enabled(), s.internal(), s.attachable(), s.ingress(),
                s.ipamOptions(), SWARM);
    }

    /** By full id, name or unique id prefix; the swarm's own host network too, which services name. */
    public Network get(String ref) {
        return store.view(r -> Refs.network(r, ref));
    }

    public List<Network> list(Query q) {
        for (String t : q.types()) {
            if (!t.equals("custom") && !t.equals("builtin")) throw ApiException.invalid("invalid filter: 'type'='%s'", t);
        }
        return store.view(r -> r.networks().stream()
                .filter(n -> !n.isPredefined())
                .filter(n -> Selector.any(q.names(), v -> matches(v, n.spec().name())))
                .filter(n -> Selector.any(q.ids(), v -> matches(v, n.id())))
                .filter(n -> Selector.labels(q.labels(), n.spec().labels()))
                .filter(n -> Selector.any(q.drivers(), d -> d.equals(driver(n))))
                .filter(n -> Selector.any(q.scopes(), SWARM::equals))
                .filter(n -> Selector.any(q.types(), "custom"::equals))
                .filter(n -> q.dangling() == null || q.dangling() != isInUse(r, n))
                .sorted(Comparator.comparing(Network::createdAt))
                .toList());
    }

    /** The driver a network was allocated with, as {@code docker network ls} shows it. */
    public static String driver(Network n) {
        return n.driverState() != null ? n.driverState().name()
                : n.spec().driverConfiguration() == null ? null : n.spec().driverConfiguration().name();
    }

    /** Docker's Match: equal, or matching the value as an unanchored regular expression. */
    private static boolean matches(String value, String s) {
        if (value.equals(s)) return true;
        try {
            return Pattern.compile(value).matcher(s).find();
        } catch (PatternSyntaxException e) {
            return false;
        }
    }

    /** Attached to a service, or holding an address for something but its own gateway. */
    private static boolean isInUse(ReadTx r, Network n) {
        int gateway = n.allocated() != null && n.allocated().gateway() != null ? 1 : 0;
        return r.services().stream().anyMatch(s -> attaches(s.spec().taskTemplate(), n.id()))
                || r.addressesInUse(n.id()).size() > gateway;
    }

    private static boolean attaches(TaskSpec spec, String networkId) {
        return spec != null && spec.networks() != null && spec.networks().stream().anyMatch(a -> networkId.equals(a.target()));
    }

    /** The services on a network with their VIPs and the addresses of their tasks that hold one. */
    public List<ServiceEndpoints> endpoints(String networkId) {
        return store.view(r -> {
            List<ServiceEndpoints> out = new ArrayList<>();
            for (Service s : r.services()) {
                List<TaskEndpoint> tasks = new ArrayList<>();
                for (Task t : r.tasksOfService(s.id())) {
                    String address = addressOn(t, networkId);
                    if (address != null && t.holdsAddresses()) tasks.add(new TaskEndpoint(t, address, r.node(t.nodeId())));
                }
                if (!attaches(s.spec().taskTemplate(), networkId) && tasks.isEmpty()) continue;
                String vip = s.endpoint() == null || s.endpoint().virtualIPs() == null ? null : s.endpoint().virtualIPs().stream()
                        .filter(v -> v.networkId().equals(networkId)).map(Service.VirtualIP::addr).findFirst().orElse(null);
                tasks.sort(Comparator.comparing(e -> e.task().id()));
                out.add(new ServiceEndpoints(s, vip, tasks));
            }
            out.sort(Comparator.comparing(e -> e.service().spec().name()));
            return out;
        });
    }

    private static String addressOn(Task t, String networkId) {
        if (t.networksAttachments() == null) return null;
        return t.networksAttachments().stream()
                .filter(a -> a.network() != null && networkId.equals(a.network().id()) && a.addresses() != null && !a.addresses().isEmpty())
                .map(a -> a.addresses().getFirst()).findFirst().orElse(null);
    }

    /**
     * Deletes a network no service and no running task uses; the ingress network only while no
     * service publishes a port through it. Refusals are swarmkit's.
     */
    public void remove(String ref) {
        store.update(tx -> {
            Network n = Refs.network(tx, ref);
            if (n.isPredefined()) {
                throw ApiException.invalid("network %s (%s) is a swarm predefined network and cannot be removed", n.id(), n.spec().name());
            }
            if (n.isIngress()) {
                for (Service s : tx.services()) {
                    if (needsIngress(s)) {
                        throw ApiException.invalid("ingress network cannot be removed because service %s depends on it", s.id());
                    }
                }
            } else {
                for (Service s : tx.services()) {
                    if (attaches(s.spec().taskTemplate(), n.id())) {
                        throw ApiException.invalid("network %s is in use by service %s", n.id(), s.id());
                    }
                }
                // A removed service's tasks are on their way out (docker stack rm removes the
                // networks right after the services): they hold nothing back.
                for (Task t : tx.tasks()) {
                    if (t.isRunnable() && !t.state().isTerminal() && tx.service(t.serviceId()) != null
                            && (attaches(t.spec(), n.id()) || addressOn(t, n.id()) != null)) {
                        throw ApiException.invalid("network %s is in use by task %s", n.id(), t.id());
                    }
                }
            }
            tx.delete(n);
            NetworkKey key = tx.networkKey(n.id());
            if (key != null) tx.delete(key);
            return null;
        });
    }

    /** A service that publishes a port through the routing mesh, which runs on the ingress network. */
    private static boolean needsIngress(Service s) {
        var e = s.spec().endpointSpec();
        return e != null && e.ports() != null && e.ports().stream().anyMatch(p -> p.publishModeOrDefault() == PublishMode.INGRESS);
    }

    /**
     * Removes every network no service or running task uses, but the ingress network (its removal
     * must be asked for by name), that has all of {@code labels}, none of {@code notLabels}, and
     * was created before {@code until} (null: whenever); returns the names removed, as dockerd's
     * prune does.
     */
    public List<String> prune(List<String> labels, List<String> notLabels, Instant until) {
        List<Network> candidates = store.view(r -> r.networks().stream()
                .filter(n -> !n.isPredefined() && !n.isIngress())
                .filter(n -> until == null || !n.createdAt().isAfter(until))
                .filter(n -> Selector.labels(labels, n.spec().labels()))
                .filter(n -> notLabels.isEmpty() || !Selector.labels(notLabels, n.spec().labels()))
                .sorted(Comparator.comparing(Network::createdAt))
                .toList());
        List<String> removed = new ArrayList<>();
        for (Network n : candidates) {
            try {
                remove(n.id());
                removed.add(n.spec().name());
            } catch (ApiException e) {
                if (e.status() >= 500) throw e;
                log.debug("prune keeps network {}: {}", n.spec().name(), e.getMessage());
            }
        }
        return removed;
    }
}
