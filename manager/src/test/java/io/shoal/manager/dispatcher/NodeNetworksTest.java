package io.shoal.manager.dispatcher;

import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static io.shoal.manager.orchestrator.Harness.withPorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.EndpointMode;
import io.shoal.api.Json;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.NodeKey;
import io.shoal.api.NodeState;
import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.common.wireguard.Key;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.keymanager.KeyManager;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the dispatcher tells a node of the networks its tasks are on, and when. */
class NodeNetworksTest {
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);
    private Network appnet;
    private Service web;

    @BeforeEach
    void swarm() {
        h.addNode(newNode("n1").withStatus(new Node.Status(NodeState.READY, null, "192.0.2.1")));
        h.addNode(newNode("n2").withStatus(new Node.Status(NodeState.READY, null, "192.0.2.2")));
        String id = h.api.networks().create(new Network.Spec("appnet", null, new io.shoal.api.Driver("overlay", null),
                false, false, false, false, null, null));
        appnet = h.api.networks().get(id);
        var spec = replicated("web", template("app:1"), 2);
        spec = spec.withTaskTemplate(spec.taskTemplate().withNetworks(List.of(new TaskSpec.NetworkAttachmentConfig(id, List.of("www"), null))));
        web = h.service(h.api.services().create(spec));
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    /** A task of web on the node, in the state, holding the address on appnet. */
    private Task task(long slot, String node, TaskState state, String address) {
        Task t = Tasks.newTask(web, slot, node, TaskState.RUNNING, h.clock.instant())
                .withStatus(TaskStatus.of(state, state.wireName(), h.clock.instant()))
                .withNetworksAttachments(List.of(new Task.NetworkAttachment(appnet, List.of(address))));
        h.create(t);
        return h.task(t.id());
    }

    @Test
    void aNodeLearnsItsNetworksWithEveryEndpointAndTheServicesVips() {
        Task here = task(1, "n1", TaskState.ASSIGNED, "10.0.1.5/24");
        Task there = task(2, "n2", TaskState.RUNNING, "10.0.1.6/24");
        NodeNetworks n1 = new NodeNetworks("n1");
        NodeNetworks.Delta first = h.store.view(n1::refresh);
        assertEquals(1, first.changed().size());
        NetworkView v = first.changed().getFirst();
        assertEquals(appnet.id(), v.networkId());
        assertEquals(List.of(new NetworkView.Endpoint(here.id(), "web.1." + here.id(), web.id(), List.of("www"), "10.0.1.5/24", "n1", "192.0.2.1", false),
                new NetworkView.Endpoint(there.id(), "web.2." + there.id(), web.id(), List.of("www"), "10.0.1.6/24", "n2", "192.0.2.2", true)),
                v.endpoints().stream().sorted(java.util.Comparator.comparing(NetworkView.Endpoint::name)).toList());
        Service s = h.service(web.id());
        String vip = s.endpoint().virtualIPs().getFirst().addr();
        assertEquals(List.of(new NetworkView.ServiceEntry(web.id(), "web", List.of("www"), EndpointMode.VIP, vip)), v.services());

        assertTrue(h.store.view(n1::refresh).isEmpty(), "nothing new: nothing sent");
        h.update(there.withStatus(TaskStatus.of(TaskState.FAILED, "failed", h.clock.instant())));
        NodeNetworks.Delta after = h.store.view(n1::refresh);
        assertEquals(List.of(here.id()), after.changed().getFirst().endpoints().stream().map(NetworkView.Endpoint::taskId).toList(),
                "a dead task is no endpoint");
    }

    @Test
    void aNodeWithoutTasksOnANetworkLeavesIt() {
        Task here = task(1, "n1", TaskState.RUNNING, "10.0.1.5/24");
        NodeNetworks n1 = new NodeNetworks("n1");
        assertEquals(1, h.store.view(n1::refresh).changed().size());
        h.update(here.withStatus(TaskStatus.of(TaskState.COMPLETE, "finished", h.clock.instant())));
        NodeNetworks.Delta gone = h.store.view(n1::refresh);
        assertEquals(List.of(appnet.id()), gone.removed());
        assertTrue(gone.changed().isEmpty());
    }

    /**
     * While a service publishes through the routing mesh, every node gets the ingress network's
     * view, tasks there or not: the nodes' own addresses, the publishing service with its ports,
     * its tasks' ingress addresses; it is dropped once no service publishes.
     */
    @Test
    void everyNodeGetsTheIngressViewWhileAServicePublishes() {
        Network ingress = h.addIngress();
        String n1Address = "10.0.0.10/24";
        h.update(h.node("n1").withAttachments(List.of(new Task.NetworkAttachment(ingress, List.of(n1Address)))));
        h.update(h.node("n2").withAttachments(List.of(new Task.NetworkAttachment(ingress, List.of("10.0.0.11/24")))));
        NodeNetworks n2 = new NodeNetworks("n2");
        assertTrue(h.store.view(n2::refresh).isEmpty(), "nothing published: no ingress view");

        PortConfig mesh = new PortConfig(null, Protocol.UDP, 53, 5353, PublishMode.INGRESS);
        PortConfig host = new PortConfig(null, Protocol.TCP, 80, 8080, PublishMode.HOST);
        Service dns = h.service(h.api.services().create(withPorts(replicated("dns", template("app:1"), 1), mesh, host)));
        Task t = Tasks.newTask(dns, 1, "n1", TaskState.RUNNING, h.clock.instant())
                .withStatus(TaskStatus.of(TaskState.RUNNING, "running", h.clock.instant()))
                .withNetworksAttachments(List.of(new Task.NetworkAttachment(ingress, List.of("10.0.0.12/24"))));
        h.create(t);

        NodeNetworks.Delta delta = h.store.view(n2::refresh);
        assertEquals(1, delta.changed().size(), "n2 runs no task of dns, and gets the view");
        NetworkView v = delta.changed().getFirst();
        assertEquals(ingress.id(), v.networkId());
        String vip = dns.endpoint().virtualIPs().getFirst().addr();
        assertEquals(List.of(new NetworkView.ServiceEntry(dns.id(), "dns", List.of(), EndpointMode.VIP, vip, List.of(mesh, host))),
                v.services());
        assertEquals(List.of(
                        NetworkView.Endpoint.ofNode(n1Address, "n1", "192.0.2.1"),
                        NetworkView.Endpoint.ofNode("10.0.0.11/24", "n2", "192.0.2.2"),
                        new NetworkView.Endpoint(t.id(), "dns.1." + t.id(), dns.id(), List.of(), "10.0.0.12/24", "n1", "192.0.2.1", true)),
                v.endpoints().stream().sorted(java.util.Comparator.comparing(NetworkView.Endpoint::address)).toList());
        assertTrue(v.endpoints().stream().filter(NetworkView.Endpoint::isNode).allMatch(NetworkView.Endpoint::running));

        h.api.services().remove("dns");
        assertEquals(List.of(ingress.id()), h.store.view(n2::refresh).removed(), "nothing published: dropped");
    }

    @Test
    void aServiceEntryCarriesItsPublishedPorts() {
        task(1, "n1", TaskState.RUNNING, "10.0.1.5/24");
        h.addIngress();
        Service s = h.service(web.id());
        h.api.services().update(web.id(), s.version().index(),
                withPorts(s.spec(), new PortConfig(null, null, 80, 0, PublishMode.HOST)), false);
        NetworkView v = h.store.view(new NodeNetworks("n1")::refresh).changed().getFirst();
        assertEquals(List.of(new PortConfig(null, Protocol.TCP, 80, 0, PublishMode.HOST)), v.services().getFirst().ports());
    }

    /**
     * An encrypted network's view carries the receiving node's own private key, the network's
     * preshared key and the other nodes on it with their public keys; a rotation and a node's
     * removal reach the views.
     */
    @Test
    void anEncryptedNetworksViewCarriesTheTunnelOfTheNodeItIsFor() throws Exception {
        h.addNode(newNode("n3").withStatus(new Node.Status(NodeState.READY, null, "192.0.2.3")));
        h.start(new KeyManager(h.store, h.clock, h.ticker, Duration.ofHours(1)));
        String id = h.api.networks().create(new Network.Spec("secret", null,
                new io.shoal.api.Driver("overlay", java.util.Map.of(Network.ENCRYPTED, "")), false, false, false, false, null, null));
        Network secret = h.api.networks().get(id);
        time.settle();
        for (String node : List.of("n1", "n2", "n3")) {
            h.create(Tasks.newTask(web, node.charAt(1) - '0', node, TaskState.RUNNING, h.clock.instant())
                    .withStatus(TaskStatus.of(TaskState.RUNNING, "running", h.clock.instant()))
                    .withNetworksAttachments(List.of(new Task.NetworkAttachment(secret, List.of("10.0.2." + (node.charAt(1) - '0' + 4) + "/24")))));
        }
        NodeNetworks n1 = new NodeNetworks("n1");
        NetworkView v = h.store.view(n1::refresh).changed().getFirst();
        NodeKey k1 = key("n1"), k2 = key("n2"), k3 = key("n3");
        Key psk = h.store.view(r -> r.networkKey(id)).presharedKey();
        assertEquals(new NetworkView.Tunnel(k1.privateKey(), psk, List.of(new NetworkView.Peer("n2", "192.0.2.2", k2.publicKey()),
                new NetworkView.Peer("n3", "192.0.2.3", k3.publicKey()))), v.tunnel());
        String wire = Json.MAPPER.writeValueAsString(v);
        assertTrue(wire.contains(k1.privateKey().base64()));
        assertFalse(wire.contains(k2.privateKey().base64()) || wire.contains(k3.privateKey().base64()), "no other node's private key");
        NetworkView v2 = h.store.view(new NodeNetworks("n2")::refresh).changed().getFirst();
        assertEquals(k2.privateKey(), v2.tunnel().privateKey());
        assertFalse(Json.MAPPER.writeValueAsString(v2).contains(k1.privateKey().base64()));

        time.advance(Duration.ofHours(1));
        NodeNetworks.Delta rotated = h.store.view(n1::refresh);
        assertEquals(1, rotated.changed().size(), "a rotation sends the view again");
        Key next = rotated.changed().getFirst().tunnel().presharedKey();
        assertNotEquals(psk, next);
        assertEquals(h.store.view(r -> r.networkKey(id)).presharedKey(), next);

        h.removeNode("n3");
        NetworkView.Tunnel without = h.store.view(n1::refresh).changed().getFirst().tunnel();
        assertEquals(List.of("n2"), without.peers().stream().map(NetworkView.Peer::nodeId).toList(), "a removed node is no peer");
        time.settle();
        assertNull(key("n3"), "and its keys are gone");
    }

    private NodeKey key(String nodeId) {
        return h.store.view(r -> r.nodeKey(nodeId));
    }
}
