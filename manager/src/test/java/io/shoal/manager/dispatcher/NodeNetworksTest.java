package io.shoal.manager.dispatcher;

import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.NodeState;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.dispatcher.NetworkView;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
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
}
