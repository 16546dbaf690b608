package io.shoal.manager.control;

import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static io.shoal.manager.orchestrator.Harness.withPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Driver;
import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.PortConfig;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.manager.allocator.NetworkConfig;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Networks through the control API, and services attached to them: what is stored, and what is refused in Docker's words. */
class NetworkControlTest {
    private final Harness h = new Harness();
    private final ControlApi api = h.api;
    private Network ingress;

    @BeforeEach
    void swarm() {
        h.create(NetworkControl.initial(NetworkConfig.forInit(null, 0, 0)).toArray(Network[]::new));
        ingress = api.networks().get("ingress");
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    /** Runs {@code call}, expects a refusal with {@code status} and {@code message}, and checks nothing was written. */
    private void refused(int status, String message, Executable call) {
        var objects = h.memory.all();
        ApiException e = assertThrows(ApiException.class, call);
        assertEquals(message, e.getMessage());
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(objects, h.memory.all(), "a refused call stores nothing");
    }

    static Network.Spec spec(String name) {
        return spec(name, null, null, null, Map.of(), null);
    }

    static Network.Spec spec(String name, String subnet, String range, String gateway, Map<String, String> labels, String driver) {
        var configs = subnet == null ? List.<Network.IpamConfig>of() : List.of(new Network.IpamConfig(subnet, range, gateway));
        return new Network.Spec(name, labels, new Driver(driver == null ? "overlay" : driver, null), false, false, false, false,
                new Network.IpamOptions(new Driver("default", null), configs), null);
    }

    static Network.Spec withFlags(Network.Spec s, boolean ipv6, boolean internal, boolean attachable, boolean ingress) {
        return new Network.Spec(s.name(), s.labels(), s.driverConfiguration(), ipv6, internal, attachable, ingress, s.ipamOptions(), s.scope());
    }

    static Network.Spec withOptions(Network.Spec s, Map<String, String> options) {
        return new Network.Spec(s.name(), s.labels(), new Driver(s.driverConfiguration().name(), options), s.ipv6Enabled(),
                s.internal(), s.attachable(), s.ingress(), s.ipamOptions(), s.scope());
    }

    private static ServiceSpec attachedTo(String name, EndpointMode mode, String... networks) {
        List<TaskSpec.NetworkAttachmentConfig> targets = new ArrayList<>();
        for (String n : networks) targets.add(new TaskSpec.NetworkAttachmentConfig(n, List.of(name + "-alias"), null));
        ServiceSpec s = replicated(name, template("app:1").withNetworks(targets), 1);
        return new ServiceSpec(s.name(), s.labels(), s.taskTemplate(), s.mode(), null, null, null, new ServiceSpec.EndpointSpec(mode, null));
    }

    private List<String> names(NetworkControl.Query q) {
        return api.networks().list(q).stream().map(n -> n.spec().name()).toList();
    }

    private static NetworkControl.Query query(List<String> names, List<String> ids, List<String> labels, List<String> drivers,
                                              List<String> types, Boolean dangling) {
        return new NetworkControl.Query(names, ids, labels, drivers, List.of(), types, dangling);
    }

    @Test
    void aSwarmStartsWithTheIngressNetworkAndAHiddenHostNetwork() {
        assertTrue(ingress.isIngress());
        assertEquals(new Network.IpamConfig("10.0.0.0/24", null, "10.0.0.1"), ingress.allocated());
        assertEquals(4096, ingress.vni());
        assertEquals("overlay", NetworkControl.driver(ingress));
        assertTrue(api.networks().get("host").isPredefined());
        assertEquals(List.of("ingress"), names(NetworkControl.Query.ALL), "host is the swarm's own: not listed");
    }

    @Test
    void aNetworkIsAllocatedAsItIsCreated() {
        Network n = api.networks().get(api.networks().create(withOptions(
                withFlags(spec("appnet", null, null, null, Map.of("tier", "back"), null), false, true, true, false),
                Map.of(Network.MTU, "1400"))));
        assertEquals(new Network.IpamConfig("10.0.1.0/24", null, "10.0.1.1"), n.allocated());
        assertEquals(new Driver("overlay", Map.of(Network.MTU, "1400", Network.VXLAN_ID_LIST, "4097")), n.driverState());
        assertEquals("swarm", n.spec().scope());
        assertTrue(n.spec().internal() && n.spec().attachable());
        assertEquals(Map.of("tier", "back"), n.spec().labels());

        Network given = api.networks().get(api.networks().create(spec("given", "10.50.0.0/16", "10.50.8.0/24", "10.50.0.254", null, null)));
        assertEquals(new Network.IpamConfig("10.50.0.0/16", "10.50.8.0/24", "10.50.0.254"), given.allocated());
        Network empty = api.networks().get(api.networks().create(new Network.Spec("nodriver", null, new Driver("", null), false,
                false, false, false, null, null)));
        assertEquals("overlay", NetworkControl.driver(empty), "the daemon's one driver when none is named");
    }

    @Test
    void createRefusalsAreDockers() {
        api.networks().create(spec("appnet", "10.20.0.0/16", null, null, null, null));
        refused(409, "network with name appnet already exists", () -> api.networks().create(spec("appnet")));
        refused(403, "Pool overlaps with other one on this address space",
                () -> api.networks().create(spec("other", "10.20.30.0/24", null, null, null, null)));
        refused(403, "Pool overlaps with other one on this address space",
                () -> api.networks().create(spec("other", "10.0.0.0/8", null, null, null, null)));
        refused(403, "operation is not permitted on predefined bridge network", () -> api.networks().create(spec("bridge")));
        refused(400, "invalid network config:\ninvalid subnet 10.30.0.1/16: it should be 10.30.0.0/16",
                () -> api.networks().create(spec("x", "10.30.0.1/16", null, null, null, null)));
        refused(400, "invalid network config:\n* invalid ip-range 10.31.0.0/8: CIDR block is bigger than its parent subnet 10.30.0.0/16\n"
                        + "* invalid ip-range 10.31.0.0/8: it should be 10.0.0.0/8\n"
                        + "* invalid gateway 10.40.0.1: parent subnet 10.30.0.0/16 doesn't contain this address",
                () -> api.networks().create(spec("x", "10.30.0.0/16", "10.31.0.0/8", "10.40.0.1", null, null)));
        refused(400, "invalid network config:\ninvalid subnet 10.30.0/16: invalid CIDR block notation",
                () -> api.networks().create(spec("x", "10.30.0/16", null, null, null, null)));
        refused(400, "name must be valid as a DNS name component", () -> api.networks().create(spec("my.net")));
        refused(400, "plugin weave not supported", () -> api.networks().create(spec("x", null, null, null, null, "weave")));
        refused(501, "bridge networks are local to a host and not supported by this daemon: create a swarm network with -d overlay",
                () -> api.networks().create(spec("x", null, null, null, null, "bridge")));
        refused(501, "IPv6 networks are not supported by this daemon yet",
                () -> api.networks().create(withFlags(spec("x"), true, false, false, false)));
        refused(400, "com.docker.network.driver.overlay.encrypted is not an option of the overlay driver: use --opt encrypted",
                () -> api.networks().create(withOptions(spec("x"), Map.of("com.docker.network.driver.overlay.encrypted", "true"))));
        refused(400, "invalid MTU value: 20", () -> api.networks().create(withOptions(spec("x"), Map.of(Network.MTU, "20"))));
        refused(409, "ingress network (" + ingress.id() + ") is already present",
                () -> api.networks().create(withFlags(spec("mesh"), false, false, false, true)));
        refused(400, "ingress network cannot be attachable",
                () -> api.networks().create(withFlags(spec("mesh"), false, false, true, true)));
        refused(403, "label com.docker.swarm.predefined is for internally created predefined networks and cannot be applied by users",
                () -> api.networks().create(spec("x", null, null, null, Map.of(Network.PREDEFINED, "true"), null)));
    }

    @Test
    void listFiltersAsDocker() {
        String front = api.networks().create(spec("front", null, null, null, Map.of("tier", "front"), null));
        api.networks().create(spec("back", null, null, null, Map.of("tier", "back", "db", ""), null));
        api.services().create(attachedTo("web", EndpointMode.VIP, "front"));
        assertEquals(List.of("ingress", "front", "back"), names(NetworkControl.Query.ALL));
        assertEquals(List.of("front"), names(query(List.of("fro"), List.of(), List.of(), List.of(), List.of(), null)), "a substring");
        assertEquals(List.of("front", "back"), names(query(List.of("^(f|b)"), List.of(), List.of(), List.of(), List.of(), null)), "a pattern");
        assertEquals(List.of("front"), names(query(List.of(), List.of(front.substring(0, 5)), List.of(), List.of(), List.of(), null)));
        assertEquals(List.of("back"), names(query(List.of(), List.of(), List.of("db"), List.of(), List.of(), null)));
        assertEquals(List.of("front"), names(query(List.of(), List.of(), List.of("tier=front"), List.of(), List.of(), null)));
        assertEquals(List.of(), names(query(List.of(), List.of(), List.of(), List.of("bridge"), List.of(), null)));
        assertEquals(3, names(query(List.of(), List.of(), List.of(), List.of("overlay"), List.of("custom"), null)).size());
        assertEquals(List.of(), names(query(List.of(), List.of(), List.of(), List.of(), List.of("builtin"), null)));
        assertEquals(List.of("ingress", "back"), names(query(List.of(), List.of(), List.of(), List.of(), List.of(), true)), "used by no service");
        assertEquals(List.of("front"), names(query(List.of(), List.of(), List.of(), List.of(), List.of(), false)));
        refused(400, "invalid filter: 'type'='odd'", () -> names(query(List.of(), List.of(), List.of(), List.of(), List.of("odd"), null)));
    }

    @Test
    void aNetworkIsFoundByIdNameOrPrefix() {
        String id = api.networks().create(spec("appnet"));
        assertEquals(id, api.networks().get(id).id());
        assertEquals(id, api.networks().get("appnet").id());
        assertEquals(id, api.networks().get(id.substring(0, 4)).id());
        refused(404, "network nothing not found", () -> api.networks().get("nothing"));
    }

    @Test
    void servicesNameTheirNetworksByIdAndHoldAVirtualIpOnEach() {
        String front = api.networks().create(spec("front"));
        String back = api.networks().create(spec("back"));
        Service s = h.service(api.services().create(attachedTo("web", EndpointMode.VIP, "front", back.substring(0, 6))));
        assertEquals(List.of(new TaskSpec.NetworkAttachmentConfig(front, List.of("web-alias"), null),
                new TaskSpec.NetworkAttachmentConfig(back, List.of("web-alias"), null)), s.spec().taskTemplate().networks());
        assertEquals(List.of(new Service.VirtualIP(front, "10.0.1.2/24"), new Service.VirtualIP(back, "10.0.2.2/24")),
                s.endpoint().virtualIPs());

        Service db = h.service(api.services().create(attachedTo("db", EndpointMode.DNSRR, "back")));
        assertEquals(List.of(), db.endpoint().virtualIPs(), "DNS round robin: no VIP");
        assertEquals(EndpointMode.DNSRR, db.endpoint().spec().mode());
    }

    @Test
    void theDeprecatedTopLevelNetworksMoveIntoTheTaskTemplate() {
        String id = api.networks().create(spec("appnet"));
        ServiceSpec s = replicated("old", template("app:1"), 1).withNetworks(List.of(new TaskSpec.NetworkAttachmentConfig("appnet", null, null)));
        Service stored = h.service(api.services().create(s));
        assertNull(stored.spec().networks());
        assertEquals(List.of(new TaskSpec.NetworkAttachmentConfig(id, null, null)), stored.spec().taskTemplate().networks());
    }

    @Test
    void serviceRefusalsAreDockers() {
        api.networks().create(spec("appnet"));
        refused(404, "network nothing not found", () -> api.services().create(attachedTo("web", EndpointMode.VIP, "nothing")));
        refused(400, "Service cannot be explicitly attached to the ingress network \"ingress\"",
                () -> api.services().create(attachedTo("web", EndpointMode.VIP, "ingress")));
        refused(400, "service is already attached to network appnet",
                () -> api.services().create(attachedTo("web", EndpointMode.VIP, "appnet", "appnet")));
    }

    @Test
    void anUpdateKeepsTheVipsOfNetworksKeptAndFreesTheOthers() {
        String a = api.networks().create(spec("a"));
        String b = api.networks().create(spec("b"));
        String id = api.services().create(attachedTo("web", EndpointMode.VIP, "a"));
        Service s = h.service(id);
        api.services().update(id, s.version().index(), attachedTo("web", EndpointMode.VIP, "a", "b"), false);
        s = h.service(id);
        assertEquals(List.of(new Service.VirtualIP(a, "10.0.1.2/24"), new Service.VirtualIP(b, "10.0.2.2/24")), s.endpoint().virtualIPs());

        api.services().update(id, s.version().index(), attachedTo("web", EndpointMode.VIP, "b"), false);
        s = h.service(id);
        assertEquals(List.of(new Service.VirtualIP(b, "10.0.2.2/24")), s.endpoint().virtualIPs());
        assertTrue(h.store.view(r -> r.addressesInUse(a)).size() == 1, "only a's gateway is left held on a");

        api.services().update(id, s.version().index(), attachedTo("web", EndpointMode.DNSRR, "b"), false);
        assertEquals(List.of(), h.service(id).endpoint().virtualIPs(), "dnsrr gives the VIP back");
    }

    @Test
    void aVipThatDoesNotFitRefusesTheService() {
        api.networks().create(spec("tiny", "10.9.0.0/30", null, null, null, null));
        api.services().create(attachedTo("first", EndpointMode.VIP, "tiny"));
        refused(400, "could not find an available IP while allocating VIP: no IP addresses available in network tiny",
                () -> api.services().create(attachedTo("second", EndpointMode.VIP, "tiny")));
        api.services().create(attachedTo("third", EndpointMode.DNSRR, "tiny"));
    }

    @Test
    void removalIsRefusedWhileServicesOrTasksUseTheNetwork() {
        String id = api.networks().create(spec("appnet"));
        String web = api.services().create(attachedTo("web", EndpointMode.VIP, "appnet"));
        refused(400, "network " + id + " is in use by service " + web, () -> api.networks().remove("appnet"));

        // Moved off the network, the service leaves its running task there until the update replaces it.
        Task t = Tasks.newTask(h.service(web), 1, null, TaskState.RUNNING, Instant.now());
        h.create(t);
        api.services().update(web, h.service(web).version().index(), attachedTo("web", EndpointMode.VIP), false);
        refused(400, "network " + id + " is in use by task " + t.id(), () -> api.networks().remove("appnet"));
        h.report(t.id(), TaskState.FAILED, "n1");
        api.networks().remove(id.substring(0, 5));
        refused(404, "network appnet not found", () -> api.networks().get("appnet"));

        // A removed service's tasks hold nothing back (docker stack rm removes the networks right
        // after the services), even before they are told to go.
        String other = api.networks().create(spec("other"));
        String db = api.services().create(attachedTo("db", EndpointMode.VIP, "other"));
        Task d = Tasks.newTask(h.service(db), 1, null, TaskState.RUNNING, Instant.now());
        h.create(d);
        api.services().remove(db);
        assertEquals(TaskState.RUNNING, h.store.view(r -> r.task(d.id())).desiredState());
        api.networks().remove(other);

        Network host = api.networks().get("host");
        refused(400, "network " + host.id() + " (host) is a swarm predefined network and cannot be removed", () -> api.networks().remove("host"));
    }

    @Test
    void theIngressNetworkGoesOnlyWhileNoServicePublishesAPort() {
        String web = api.services().create(withPorts(replicated("web", template("app:1"), 1), new PortConfig(null, null, 80, 8080, null)));
        refused(400, "ingress network cannot be removed because service " + web + " depends on it", () -> api.networks().remove("ingress"));
        api.services().remove(web);
        api.networks().remove("ingress");
        assertEquals(List.of(), names(NetworkControl.Query.ALL));
    }

    @Test
    void pruneRemovesWhatNothingUsesButTheIngressNetwork() {
        api.networks().create(spec("used"));
        api.networks().create(spec("idle", null, null, null, Map.of("keep", "yes"), null));
        api.networks().create(spec("spare", null, null, null, Map.of("env", "test"), null));
        api.services().create(attachedTo("web", EndpointMode.VIP, "used"));
        assertEquals(List.of("spare"), api.networks().prune(List.of(), List.of("keep"), null));
        assertEquals(List.of(), api.networks().prune(List.of("env=test"), List.of(), null));
        assertEquals(List.of(), api.networks().prune(List.of(), List.of(), Instant.EPOCH), "none is that old");
        assertEquals(List.of("idle"), api.networks().prune(List.of(), List.of(), null));
        assertEquals(List.of("ingress", "used"), names(NetworkControl.Query.ALL));
    }

    @Test
    void endpointsListTheServicesOnANetworkWithTheirTasksAddresses() {
        String id = api.networks().create(spec("appnet"));
        Service web = h.service(api.services().create(attachedTo("web", EndpointMode.VIP, "appnet")));
        Task t = Tasks.newTask(web, 1, null, TaskState.RUNNING, Instant.now());
        Network n = api.networks().get(id);
        h.create(t.withNetworksAttachments(List.of(new Task.NetworkAttachment(n, List.of("10.0.1.3/24")))));
        api.services().create(attachedTo("db", EndpointMode.DNSRR, "appnet"));
        api.services().create(replicated("alone", template("app:1"), 1));
        List<NetworkControl.ServiceEndpoints> e = api.networks().endpoints(id);
        assertEquals(List.of("db", "web"), e.stream().map(s -> s.service().spec().name()).toList());
        assertNull(e.get(0).virtualIp());
        assertEquals("10.0.1.2/24", e.get(1).virtualIp());
        assertEquals(List.of("10.0.1.3/24"), e.get(1).tasks().stream().map(NetworkControl.TaskEndpoint::address).toList());
    }
}
