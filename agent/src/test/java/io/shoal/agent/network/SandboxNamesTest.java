package io.shoal.agent.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.shoal.api.EndpointMode;
import io.shoal.api.Json;
import io.shoal.api.Network;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.common.Ipv4Prefix;
import io.shoal.network.Peer;
import io.shoal.network.Vip;
import io.shoal.network.dns.Answer;
import java.net.Inet4Address;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** What a sandbox resolves and what the data plane is told, from the managers' views: no kernel needed. */
class SandboxNamesTest {
    static final NetworkView APPNET = new NetworkView(network("n1", "appnet", "10.0.1.0/24", 4097), 7789,
            List.of(endpoint("t1", "web.1.t1", "web", "10.0.1.5/24", "node1", true),
                    endpoint("t2", "web.2.t2", "web", "10.0.1.6/24", "node2", true),
                    endpoint("t3", "web.3.t3", "web", "10.0.1.7/24", "node2", false),
                    endpoint("t4", "db.1.t4", "db", "10.0.1.8/24", "node2", true),
                    endpoint("t5", "idle.1.t5", "idle", "10.0.1.9/24", "node1", false)),
            List.of(new NetworkView.ServiceEntry("web", "web", List.of("www"), EndpointMode.VIP, "10.0.1.2/24"),
                    new NetworkView.ServiceEntry("db", "db", List.of("database"), EndpointMode.DNSRR, null),
                    new NetworkView.ServiceEntry("idle", "idle", List.of(), EndpointMode.VIP, "10.0.1.3/24")));
    static final NetworkView OTHERNET = new NetworkView(network("n2", "othernet", "10.0.2.0/24", 4098), 7789,
            List.of(endpoint("t9", "secret.1.t9", "secret", "10.0.2.5/24", "node1", true)),
            List.of(new NetworkView.ServiceEntry("secret", "secret", List.of(), EndpointMode.VIP, "10.0.2.2/24")));
    static final Map<String, NetworkView> VIEWS = Map.of("n1", APPNET, "n2", OTHERNET);

    final SandboxNames onAppnet = new SandboxNames(() -> VIEWS, () -> List.of("n1"));

    @Test
    void aVipServiceByNameOrAliasGivesItsVip() {
        assertEquals(Set.of("10.0.1.2"), addresses(onAppnet.lookup("web")));
        assertEquals(Set.of("10.0.1.2"), addresses(onAppnet.lookup("WWW")));
        assertEquals(Set.of("10.0.1.3"), addresses(onAppnet.lookup("idle")), "a VIP resolves with no task running");
    }

    @Test
    void tasksDotNameAndDnsrrGiveTheRunningTasks() {
        assertEquals(Set.of("10.0.1.5", "10.0.1.6"), addresses(onAppnet.lookup("tasks.web")));
        assertEquals(Set.of("10.0.1.5", "10.0.1.6"), addresses(onAppnet.lookup("tasks.www")));
        assertEquals(Set.of("10.0.1.8"), addresses(onAppnet.lookup("db")));
        assertEquals(Set.of("10.0.1.8"), addresses(onAppnet.lookup("database")));
        assertInstanceOf(Answer.NoSuchName.class, onAppnet.lookup("tasks.idle"), "no running task: no such name");
    }

    @Test
    void aTaskResolvesByItsNameWhileItRuns() {
        assertEquals(Set.of("10.0.1.5"), addresses(onAppnet.lookup("web.1.t1")));
        assertInstanceOf(Answer.Forward.class, onAppnet.lookup("web.3.t3"), "not running: unknown here");
    }

    @Test
    void namesOfAnotherNetworkDoNotExistAndTheRestGoesUpstream() {
        assertInstanceOf(Answer.NoSuchName.class, onAppnet.lookup("secret"));
        assertInstanceOf(Answer.Forward.class, onAppnet.lookup("example.org"));
        SandboxNames onBoth = new SandboxNames(() -> VIEWS, () -> List.of("n1", "n2"));
        assertEquals(Set.of("10.0.2.2"), addresses(onBoth.lookup("secret")));
    }

    @Test
    void peersAreTheEndpointsOnOtherNodes() {
        assertEquals(List.of(new Peer(ip("10.0.1.6"), ip("192.0.2.2")), new Peer(ip("10.0.1.7"), ip("192.0.2.2")),
                new Peer(ip("10.0.1.8"), ip("192.0.2.2"))), Programming.peers(APPNET, "node1"));
    }

    @Test
    void vipsBalanceOverRunningTasksAndRefuseWithoutThem() {
        assertEquals(List.of(new Vip(ip("10.0.1.2"), List.of(ip("10.0.1.5"), ip("10.0.1.6"))), new Vip(ip("10.0.1.3"), List.of())),
                Programming.vips(VIEWS, List.of("n1")));
    }

    @Test
    void anAllocatedNetworkIsTheDataPlanesOverlay() {
        var spec = Programming.overlay(APPNET.network(), APPNET.dataPathPort());
        assertEquals(4097, spec.vni());
        assertEquals(7789, spec.vxlanPort(), "the swarm's data path port");
        assertEquals("10.0.1.0/24", spec.subnet().toString());
        assertEquals(ip("10.0.1.1"), spec.gateway());
        assertEquals(0, spec.mtu(), "the data plane's default");
    }

    private static Set<String> addresses(Answer a) {
        Set<String> out = new TreeSet<>();
        for (Inet4Address i : assertInstanceOf(Answer.Addresses.class, a).addresses()) out.add(i.getHostAddress());
        return out;
    }

    private static Inet4Address ip(String s) {
        return Ipv4Prefix.inet(s);
    }

    private static NetworkView.Endpoint endpoint(String task, String name, String service, String address, String node, boolean running) {
        return new NetworkView.Endpoint(task, name, service, List.of(), address, node, node.equals("node1") ? "192.0.2.1" : "192.0.2.2", running);
    }

    static Network network(String id, String name, String subnet, int vni) {
        try {
            return Json.MAPPER.readValue("""
                    {"ID":"%s","Spec":{"Name":"%s","DriverConfiguration":{"Name":"overlay"},"Scope":"swarm"},
                     "DriverState":{"Name":"overlay","Options":{"com.docker.network.driver.overlay.vxlanid_list":"%d"}},
                     "IPAMOptions":{"Driver":{"Name":"default"},"Configs":[{"Subnet":"%s","Gateway":"%s"}]}}"""
                    .formatted(id, name, vni, subnet, subnet.replace("0/24", "1")), Network.class);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
