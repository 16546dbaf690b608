package io.shoal.store;

import static io.shoal.store.Fixtures.batch;
import static io.shoal.store.Fixtures.create;
import static io.shoal.store.Fixtures.delete;
import static io.shoal.store.Fixtures.read;
import static io.shoal.store.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import io.shoal.common.Ipv4Prefix;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Nothing is held twice: the store refuses, as it applies a batch, an address in use on its
 * network, an overlapping subnet or a VXLAN id in use, and frees what an object gives up.
 */
class NetworkHoldingsTest {
    final MemoryStore memory = new MemoryStore();
    long index;

    NetworkHoldingsTest() {
        assertNull(apply(create(network("n1", "10.0.1.0/24", "10.0.1.1", 4097))));
    }

    ApiException apply(Change... changes) {
        return memory.apply(++index, List.of(batch(changes))).getFirst();
    }

    <T extends StoredObject> T get(Kind kind, String id) {
        return memory.view(r -> r.get(kind, id));
    }

    Set<Integer> inUse(String networkId) {
        return memory.view(r -> r.addressesInUse(networkId));
    }

    static int ip(String address) {
        return Ipv4Prefix.parseAddress(address);
    }

    static void assertTaken(ApiException refusal, String message) {
        assertNotNull(refusal, "refused");
        assertEquals(409, refusal.status(), refusal.getMessage());
        assertTrue(Holdings.isTaken(refusal), refusal.getMessage());
        assertEquals("conflicting allocation: " + message, refusal.getMessage());
    }

    static Network network(String id, String subnet, String gateway, int vni) {
        return read(Kind.NETWORK, """
                {"ID":"%s","Spec":{"Name":"%s","DriverConfiguration":{"Name":"overlay"},"Scope":"swarm"},
                 "DriverState":{"Name":"overlay","Options":{"com.docker.network.driver.overlay.vxlanid_list":"%d"}},
                 "IPAMOptions":{"Driver":{"Name":"default"},"Configs":[{"Subnet":"%s","Gateway":"%s"}]}}"""
                .formatted(id, id, vni, subnet, gateway));
    }

    /** A task of service s1 in {@code state}, desired {@code desired}, with {@code address} on network n1. */
    static Task task(String id, String state, String desired, String address, long version) {
        return read(Kind.TASK, """
                {"ID":"%s","Version":{"Index":%d},"ServiceID":"s1","Status":{"State":"%s"},"DesiredState":"%s",
                 "NetworksAttachments":[{"Network":{"ID":"n1","Spec":{"Name":"n1"}},"Addresses":["%s"]}]}"""
                .formatted(id, version, state, desired, address));
    }

    static Service service(String id, String vip, long version) {
        return read(Kind.SERVICE, """
                {"ID":"%s","Version":{"Index":%d},"Spec":{"Name":"%s"},
                 "Endpoint":{"Spec":{"Mode":"vip"},"VirtualIPs":[{"NetworkID":"n1","Addr":"%s"}]}}"""
                .formatted(id, version, id, vip));
    }

    /** A node with {@code address} on network n1 (its ingress address). */
    static Node node(String id, String address, long version) {
        return read(Kind.NODE, """
                {"ID":"%s","Version":{"Index":%d},"Spec":{"Name":"%s"},
                 "Attachments":[{"Network":{"ID":"n1","Spec":{"Name":"n1"}},"Addresses":["%s"]}]}"""
                .formatted(id, version, id, address));
    }

    /** A service publishing {@code ports} ({@code "8080/tcp/ingress"}, ...) through its endpoint. */
    static Service publishing(String id, long version, String... ports) {
        StringBuilder json = new StringBuilder();
        for (String p : ports) {
            String[] f = p.split("/");
            if (!json.isEmpty()) json.append(',');
            json.append("{\"Protocol\":\"%s\",\"TargetPort\":80,\"PublishedPort\":%s,\"PublishMode\":\"%s\"}".formatted(f[1], f[0], f[2]));
        }
        return read(Kind.SERVICE, """
                {"ID":"%s","Version":{"Index":%d},"Spec":{"Name":"%s"},"Endpoint":{"Spec":{"Mode":"vip"},"Ports":[%s]}}"""
                .formatted(id, version, id, json));
    }

    /** Task {@code id} as stored, now in {@code state} and desired {@code desired}. */
    Task moved(String id, String state, String desired) {
        Task t = get(Kind.TASK, id);
        String address = t.networksAttachments().getFirst().addresses().getFirst();
        return task(id, state, desired, address, t.version().index());
    }

    @Test
    void anAddressInUseIsRefusedToAnotherTaskOrService() {
        assertNull(apply(create(task("t1", "running", "running", "10.0.1.5/24", 0))));
        assertTaken(apply(create(task("t2", "pending", "running", "10.0.1.5/24", 0))), "address 10.0.1.5 on network n1 is already in use");
        assertTaken(apply(create(service("s1", "10.0.1.5/24", 0))), "address 10.0.1.5 on network n1 is already in use");
        assertNull(get(Kind.TASK, "t2"));
        assertTaken(apply(create(task("t2", "new", "running", "10.0.1.6/24", 0)), create(service("s1", "10.0.1.6/24", 0))),
                "address 10.0.1.6 on network n1 is already in use");
        assertNull(get(Kind.SERVICE, "s1"), "a refused batch writes nothing");
        assertEquals(Set.of(ip("10.0.1.1"), ip("10.0.1.5")), inUse("n1"));
    }

    @Test
    void theGatewayIsTheNetworksOwn() {
        assertTaken(apply(create(task("t1", "new", "running", "10.0.1.1/24", 0))), "address 10.0.1.1 on network n1 is already in use");
        assertNull(apply(create(task("t1", "new", "running", "10.0.1.1/24", 0)), delete(get(Kind.NETWORK, "n1"))),
                "the network's delete frees its gateway in the same batch");
    }

    @Test
    void aTaskKeepsItsAddressThroughItsOwnUpdates() {
        assertNull(apply(create(task("t1", "new", "running", "10.0.1.5/24", 0))));
        for (String state : List.of("pending", "assigned", "running")) {
            assertNull(apply(update(moved("t1", state, "running"))), state);
        }
        assertNull(apply(update(moved("t1", "running", "shutdown"))), "told to stop, it holds its address until it has stopped");
        assertEquals(Set.of(ip("10.0.1.1"), ip("10.0.1.5")), inUse("n1"));
    }

    @Test
    void anAddressIsFreeOnceItsTaskHasEndedOrIsDeleted() {
        assertNull(apply(create(task("t1", "running", "running", "10.0.1.5/24", 0))));
        assertNull(apply(update(moved("t1", "failed", "running"))));
        assertFalse(inUse("n1").contains(ip("10.0.1.5")));
        assertNull(apply(create(task("t2", "new", "running", "10.0.1.5/24", 0))), "an ended task's address is free");
        assertNull(apply(update(moved("t1", "failed", "shutdown"))), "told to stop after it ended, it claims nothing back");
        assertNull(apply(delete(get(Kind.TASK, "t2"))));
        assertNull(apply(create(service("s1", "10.0.1.5/24", 0))), "a deleted task's address is free");
    }

    /** An ended task keeps its record; updating it (the reaper, an agent's late report) claims nothing. */
    @Test
    void anEndedTaskClaimsNothing() {
        assertNull(apply(create(task("t1", "complete", "shutdown", "10.0.1.5/24", 0))));
        assertNull(apply(create(task("t2", "running", "running", "10.0.1.5/24", 0))));
        assertNull(apply(update(moved("t1", "complete", "remove"))));
    }

    @Test
    void aTaskToldToStopBeforeANodeTookItFreesItsAddress() {
        assertNull(apply(create(task("t1", "pending", "running", "10.0.1.5/24", 0))));
        assertNull(apply(update(moved("t1", "pending", "shutdown"))));
        assertNull(apply(create(task("t2", "new", "running", "10.0.1.5/24", 0))));
        Task assignedThenStopped = task("t3", "assigned", "shutdown", "10.0.1.9/24", 0);
        assertNull(apply(create(assignedThenStopped)));
        assertTrue(inUse("n1").contains(ip("10.0.1.9")), "a node has it: it holds its address until it has stopped");
    }

    @Test
    void anAddressChangesHandsInOneBatch() {
        assertNull(apply(create(task("t1", "running", "running", "10.0.1.5/24", 0))));
        assertNull(apply(update(moved("t1", "shutdown", "shutdown")), create(task("t2", "new", "running", "10.0.1.5/24", 0))));
        assertNull(apply(create(service("s1", "10.0.1.2/24", 0))));
        Service s = get(Kind.SERVICE, "s1");
        assertNull(apply(update(service("s1", "10.0.1.3/24", s.version().index())), create(task("t3", "new", "running", "10.0.1.2/24", 0))),
                "a service's old virtual IP is free once the batch moves it");
        assertEquals(Set.of(ip("10.0.1.1"), ip("10.0.1.3"), ip("10.0.1.5"), ip("10.0.1.2")), inUse("n1"));
        assertNull(apply(delete(get(Kind.SERVICE, "s1"))));
        assertFalse(inUse("n1").contains(ip("10.0.1.3")));
    }

    @Test
    void overlappingSubnetsAreRefused() {
        assertTaken(apply(create(network("n2", "10.0.0.0/16", "10.0.0.1", 4098))),
                "subnet 10.0.0.0/16 overlaps subnet 10.0.1.0/24 of network n1");
        assertTaken(apply(create(network("n2", "10.0.1.128/25", "10.0.1.129", 4098))),
                "subnet 10.0.1.128/25 overlaps subnet 10.0.1.0/24 of network n1");
        assertTaken(apply(create(network("n2", "10.0.2.0/24", "10.0.2.1", 4098)), create(network("n3", "10.0.2.0/23", "10.0.2.1", 4099))),
                "subnet 10.0.2.0/23 overlaps subnet 10.0.2.0/24 of network n2");
        assertNull(apply(create(network("n2", "10.0.2.0/24", "10.0.2.1", 4098))));
        assertNull(apply(delete(get(Kind.NETWORK, "n1")), create(network("n3", "10.0.1.0/24", "10.0.1.1", 4099))),
                "a deleted network's subnet is free in the same batch");
        Network n2 = get(Kind.NETWORK, "n2");
        assertNull(apply(update(n2)), "a network does not overlap itself");
    }

    @Test
    void aVxlanIdInUseIsRefused() {
        assertTaken(apply(create(network("n2", "10.0.2.0/24", "10.0.2.1", 4097))), "VXLAN id 4097 is already in use by network n1");
        assertNull(apply(delete(get(Kind.NETWORK, "n1")), create(network("n2", "10.0.2.0/24", "10.0.2.1", 4097))));
    }

    @Test
    void aNodeHoldsItsAddressUntilItIsRemoved() {
        assertNull(apply(create(node("node1", "10.0.1.2/24", 0))));
        assertTaken(apply(create(task("t1", "new", "running", "10.0.1.2/24", 0))), "address 10.0.1.2 on network n1 is already in use");
        assertTaken(apply(create(node("node2", "10.0.1.2/24", 0))), "address 10.0.1.2 on network n1 is already in use");
        Node n = get(Kind.NODE, "node1");
        assertNull(apply(update(n)), "a node does not collide with itself");
        assertTrue(inUse("n1").contains(ip("10.0.1.2")));
        assertNull(apply(delete(get(Kind.NODE, "node1")), create(task("t1", "new", "running", "10.0.1.2/24", 0))),
                "a removed node's address is free in the same batch");
    }

    @Test
    void aPortPublishedThroughTheRoutingMeshIsOneServicesOnly() {
        assertNull(apply(create(publishing("s1", 0, "8080/tcp/ingress", "53/udp/ingress", "9000/tcp/host"))));
        assertTaken(apply(create(publishing("s2", 0, "8080/tcp/ingress"))), "published port 8080/tcp is already in use by service s1");
        assertTaken(apply(create(publishing("s2", 0, "81/tcp/ingress")), create(publishing("s3", 0, "81/tcp/ingress"))),
                "published port 81/tcp is already in use by service s2");
        assertNull(apply(create(publishing("s2", 0, "8080/udp/ingress", "53/tcp/ingress", "9000/tcp/host"))),
                "another protocol, and host mode, are other ports");
        Service s1 = get(Kind.SERVICE, "s1");
        assertNull(apply(update(publishing("s1", s1.version().index(), "8081/tcp/ingress")),
                create(publishing("s3", 0, "8080/tcp/ingress"))), "a port changes hands in one batch");
        assertNull(apply(delete(get(Kind.SERVICE, "s3")), create(publishing("s4", 0, "8080/tcp/ingress"))),
                "a deleted service's port is free");
        MemoryStore restored = new MemoryStore();
        restored.restore(index, memory.all());
        assertTaken(restored.apply(index + 1, List.of(batch(create(publishing("s5", 0, "8081/tcp/ingress"))))).getFirst(),
                "published port 8081/tcp is already in use by service s1");
    }

    @Test
    void anAddressThatDoesNotParseIsRefused() {
        ApiException refused = apply(create(task("t1", "new", "running", "10.0.1/24", 0)));
        assertEquals(400, refused.status());
        assertEquals("task t1: invalid IPv4 address 10.0.1", refused.getMessage());
    }

    /** What no manager writes is refused as the writer's error, never thrown out of the apply. */
    @Test
    void malformedHoldingsAreRefused() {
        ApiException noNetwork = apply(create(read(Kind.SERVICE, """
                {"ID":"s1","Spec":{"Name":"s1"},"Endpoint":{"VirtualIPs":[{"Addr":"10.0.1.2/24"}]}}""")));
        assertEquals(400, noNetwork.status());
        assertEquals("service s1: an address without a network", noNetwork.getMessage());
        assertNull(apply(create(read(Kind.TASK, """
                {"ID":"t1","NetworksAttachments":[{"Network":{"ID":"n1"},"Addresses":["10.0.1.9/24"]}]}"""))));
        assertTrue(inUse("n1").contains(ip("10.0.1.9")), "a task without states yet holds its address");
    }

    @Test
    void aTransactionSeesItsOwnHoldings() {
        assertNull(apply(create(task("t1", "running", "running", "10.0.1.5/24", 0))));
        Tx tx = new Tx(memory.view(r -> r));
        tx.update(moved("t1", "failed", "running"));
        tx.create(service("s1", "10.0.1.7/24", 0));
        assertEquals(Set.of(ip("10.0.1.1"), ip("10.0.1.7")), tx.addressesInUse("n1"));
        assertEquals(Set.of(), tx.addressesInUse("n9"));
    }

    @Test
    void aSnapshotRestoresTheHoldings() {
        assertNull(apply(create(task("t1", "running", "running", "10.0.1.5/24", 0))));
        MemoryStore restored = new MemoryStore();
        restored.restore(index, memory.all());
        assertEquals(Set.of(ip("10.0.1.1"), ip("10.0.1.5")), restored.view(r -> r.addressesInUse("n1")));
        ApiException refused = restored.apply(index + 1, List.of(batch(create(task("t2", "new", "running", "10.0.1.5/24", 0))))).getFirst();
        assertTaken(refused, "address 10.0.1.5 on network n1 is already in use");
    }
}
