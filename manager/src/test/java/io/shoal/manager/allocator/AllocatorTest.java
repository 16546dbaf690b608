package io.shoal.manager.allocator;

import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shoal.api.Driver;
import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.PortConfig;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.common.Ipv4Prefix;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.control.NetworkControl;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import io.shoal.store.Batch;
import io.shoal.store.Change;
import io.shoal.store.DirectProposer;
import io.shoal.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The allocator against a real store in virtual time: after each step it is left to settle, then
 * the test looks. The test makes tasks itself and plays the agent.
 */
class AllocatorTest {
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private Allocator startAllocator() {
        return h.start(new Allocator(h.store, h.clock, h.ticker));
    }

    private Network network(String name, String subnet) {
        var ipam = subnet == null ? null
                : new Network.IpamOptions(new Driver("default", null), List.of(new Network.IpamConfig(subnet, null, null)));
        String id = h.api.networks().create(new Network.Spec(name, null, new Driver("overlay", null), false, false, false, false,
                ipam, null));
        return h.api.networks().get(id);
    }

    private Service service(String name, EndpointMode mode, String... networks) {
        TaskSpec t = template("app:1").withNetworks(
                List.of(networks).stream().map(n -> new TaskSpec.NetworkAttachmentConfig(n, null, null)).toList());
        ServiceSpec s = replicated(name, t, 1);
        s = new ServiceSpec(s.name(), s.labels(), s.taskTemplate(), s.mode(), null, null, null,
                new ServiceSpec.EndpointSpec(mode, null));
        return h.service(h.api.services().create(s));
    }

    /** New tasks of {@code s} in slots 1..n, as the orchestrator makes them. */
    private List<Task> newTasks(Service s, int n) {
        List<Task> tasks = IntStream.rangeClosed(1, n).mapToObj(i -> Tasks.newTask(s, i, null, TaskState.RUNNING, h.clock.instant())).toList();
        h.create(tasks.toArray(Task[]::new));
        return tasks;
    }

    private List<String> addresses(Task t) {
        Task now = h.task(t.id());
        if (now.networksAttachments() == null) return List.of();
        List<String> out = new ArrayList<>();
        for (var a : now.networksAttachments()) out.add(a.network().spec().name() + " " + a.addresses());
        return out;
    }

    @Test
    void movesNewTasksToPendingButNotThoseAlreadyToldToStop() {
        startAllocator();
        Service s = h.service(h.api.services().create(replicated("web", template("app:1"), 1)));
        Task stopped = Tasks.newTask(s, 2, null, TaskState.SHUTDOWN, h.clock.instant());
        Task delayed = Tasks.newTask(s, 3, null, TaskState.READY, h.clock.instant());
        Task fresh = Tasks.newTask(s, 1, null, TaskState.RUNNING, h.clock.instant());
        h.create(stopped, delayed);
        h.create(fresh);
        time.settle();
        assertEquals(TaskState.PENDING, h.task(fresh.id()).state());
        assertEquals(TaskState.PENDING, h.task(delayed.id()).state());
        assertEquals(TaskState.NEW, h.task(stopped.id()).state());
        assertNull(h.task(fresh.id()).networksAttachments(), "no networks, no attachments");
    }

    @Test
    void aTaskGetsAnAddressOnEachNetworkInTheOrderOfItsSpec() {
        startAllocator();
        Network front = network("front", null);
        Network back = network("back", null);
        Service s = service("web", EndpointMode.VIP, "back", "front");
        assertEquals(List.of(new Service.VirtualIP(back.id(), "10.0.1.2/24"), new Service.VirtualIP(front.id(), "10.0.0.2/24")),
                s.endpoint().virtualIPs());
        List<Task> tasks = newTasks(s, 2);
        time.settle();
        assertEquals(List.of("back [10.0.1.3/24]", "front [10.0.0.3/24]"), addresses(tasks.get(0)));
        assertEquals(List.of("back [10.0.1.4/24]", "front [10.0.0.4/24]"), addresses(tasks.get(1)));
        Task t = h.task(tasks.get(0).id());
        assertEquals(TaskState.PENDING, t.state());
        Network attached = t.networksAttachments().getFirst().network();
        assertEquals(back, attached, "the whole network, as stored");
        assertEquals(4097, attached.vni());
    }

    @Test
    void inDnsrrModeTasksGetAddressesAndTheServiceNone() {
        startAllocator();
        network("appnet", null);
        Service s = service("db", EndpointMode.DNSRR, "appnet");
        assertEquals(List.of(), s.endpoint().virtualIPs());
        List<Task> tasks = newTasks(s, 1);
        time.settle();
        assertEquals(List.of("appnet [10.0.0.2/24]"), addresses(tasks.getFirst()));
    }

    /**
     * A /29 has five host addresses besides its gateway: the VIP and four tasks. The fifth and
     * sixth task wait, NEW, with the reason; each gets the next address that is freed.
     */
    @Test
    void aTaskWithoutAnAddressWaitsNewWithTheReasonUntilOneIsFreed() {
        startAllocator();
        network("small", "10.9.0.0/29");
        Service s = service("web", EndpointMode.VIP, "small");
        List<Task> tasks = newTasks(s, 6);
        time.settle();
        for (int i = 0; i < 4; i++) {
            assertEquals(List.of("small [10.9.0." + (i + 3) + "/29]"), addresses(tasks.get(i)));
            assertEquals(TaskState.PENDING, h.task(tasks.get(i).id()).state());
        }
        for (Task waiting : tasks.subList(4, 6)) {
            Task t = h.task(waiting.id());
            assertEquals(TaskState.NEW, t.state());
            assertEquals("no IP addresses available in network small", t.status().err());
            assertNull(t.networksAttachments());
        }

        long writes = h.memory.appliedIndex();
        time.advance(Allocator.FULL_PASS_PERIOD);
        assertEquals(writes, h.memory.appliedIndex(), "a task that keeps waiting costs no writes");

        h.report(tasks.get(1).id(), TaskState.FAILED, "n1");
        time.settle();
        List<Task> rest = List.of(h.task(tasks.get(4).id()), h.task(tasks.get(5).id()));
        assertEquals(1, rest.stream().filter(t -> t.state() == TaskState.PENDING).count(), Harness.brief(rest));
        Task served = rest.stream().filter(t -> t.state() == TaskState.PENDING).findFirst().orElseThrow();
        assertEquals(List.of("small [10.9.0.4/29]"), addresses(served), "the address the failed task freed");
        assertNull(served.status().err());

        Task last = rest.stream().filter(t -> t.state() == TaskState.NEW).findFirst().orElseThrow();
        h.store.update(tx -> {
            tx.delete(tx.task(tasks.get(2).id()));
            return null;
        });
        time.settle();
        assertEquals(List.of("small [10.9.0.5/29]"), addresses(last), "the address of the deleted task");
        assertEquals(TaskState.PENDING, h.task(last.id()).state());
    }

    /** A manager that starts leading reads the free lists from the store: it gives no address in use. */
    @Test
    void aNewLeadersAllocatorCarriesOnFromTheStore() {
        Allocator first = startAllocator();
        network("appnet", null);
        Service s = service("web", EndpointMode.VIP, "appnet");
        List<Task> before = newTasks(s, 3);
        time.settle();
        first.stop();
        h.report(before.get(0).id(), TaskState.COMPLETE, "n1");
        Task later = Tasks.newTask(s, 4, null, TaskState.RUNNING, h.clock.instant());
        h.create(later);
        time.settle();
        assertEquals(TaskState.NEW, h.task(later.id()).state(), "no allocator runs");

        startAllocator();
        time.settle();
        assertEquals(List.of("appnet [10.0.0.6/24]"), addresses(later),
                "above the addresses in use (VIP .2, tasks .3 to .5), not the one freed meanwhile");
        assertEquals(TaskState.PENDING, h.task(later.id()).state());
    }

    /**
     * Another manager gives away the address the allocator chose while its write is on the way:
     * the store refuses the allocator's write, which reads its lists again and chooses another.
     */
    @Test
    void aWriteThatLosesARaceIsRefusedAndTheListsAreReadAgain() {
        Network n = network("appnet", null);
        Service s = service("web", EndpointMode.VIP, "appnet");
        Task other = Tasks.newTask(s, 9, null, TaskState.RUNNING, h.clock.instant())
                .withNetworksAttachments(List.of(new Task.NetworkAttachment(n, List.of("10.0.0.3/24"))));
        // From here on every write goes through one proposer, so that log indexes stay in order.
        DirectProposer direct = new DirectProposer(h.memory);
        AtomicBoolean race = new AtomicBoolean(true);
        List<String> refusals = new CopyOnWriteArrayList<>();
        Store racing = new Store(h.memory, batch -> {
            if (race.getAndSet(false)) direct.propose(new Batch(h.clock.instant(), List.of(new Change(Change.Op.CREATE, other, 0))));
            return direct.propose(batch).whenComplete((index, refused) -> {
                if (refused != null) refusals.add(refused.getMessage());
            });
        }, h.clock);
        Store plain = new Store(h.memory, direct, h.clock);
        h.start(new Allocator(racing, h.clock, h.ticker));
        time.settle();

        Task t = Tasks.newTask(s, 1, null, TaskState.RUNNING, h.clock.instant());
        plain.update(tx -> {
            tx.create(t);
            return null;
        });
        time.advanceUntil("the task to get an address", () -> h.task(t.id()), x -> x.state() == TaskState.PENDING);
        assertEquals(List.of("conflicting allocation: address 10.0.0.3 on network " + n.id() + " is already in use"), refusals);
        assertEquals(List.of("appnet [10.0.0.3/24]"), addresses(other), "the other manager's write went in first");
        assertEquals(List.of("appnet [10.0.0.4/24]"), addresses(t));
    }

    @Test
    void theHostNetworkGivesNoAddress() {
        startAllocator();
        h.create(NetworkControl.initial(NetworkConfig.forInit(null, 0, 0)).toArray(Network[]::new));
        Service s = service("edge", EndpointMode.VIP, "host");
        assertEquals(List.of(), s.endpoint().virtualIPs(), "no VIP on the host network");
        List<Task> tasks = newTasks(s, 1);
        time.settle();
        assertEquals(List.of("host null"), addresses(tasks.getFirst()));
        assertEquals(TaskState.PENDING, h.task(tasks.getFirst().id()).state());
    }

    private String ingressAddress(String nodeId) {
        Node n = h.node(nodeId);
        return n.attachments() == null ? null
                : n.attachments().stream().map(a -> a.network().spec().name() + " " + a.addresses()).findFirst().orElse(null);
    }

    @Test
    void everyNodeHoldsAnIngressAddressWhileItAndTheIngressNetworkExist() {
        Network ingress = h.addIngress();
        h.addNode(Harness.newNode("n1"));
        startAllocator();
        time.settle();
        assertEquals("ingress [10.0.0.2/24]", ingressAddress("n1"));
        h.addNode(Harness.newNode("n2"));
        time.settle();
        assertEquals("ingress [10.0.0.3/24]", ingressAddress("n2"));
        assertEquals(ingress, h.node("n2").attachments().getFirst().network(), "the whole network, as stored");

        Service web = h.service(h.api.services().create(Harness.withPorts(replicated("web", template("app:1"), 1),
                new PortConfig(null, null, 80, 8080, null))));
        List<Task> tasks = newTasks(web, 1);
        time.settle();
        assertEquals(List.of("ingress [10.0.0.5/24]"), addresses(tasks.getFirst()), "next to the service's VIP, never a node's");

        h.removeNode("n1");
        h.addNode(Harness.newNode("n3"));
        time.settle();
        assertEquals("ingress [10.0.0.6/24]", ingressAddress("n3"), "next-fit: a removed node's address goes back to use last");
        assertEquals(Set.of("10.0.0.1", "10.0.0.3", "10.0.0.4", "10.0.0.5", "10.0.0.6"),
                h.store.view(r -> r.addressesInUse(ingress.id())).stream().map(Ipv4Prefix::format).collect(Collectors.toSet()));

        h.api.services().remove("web");
        h.api.networks().remove("ingress");
        time.settle();
        assertNull(h.node("n2").attachments(), "no ingress network, no address");
        Network again = h.addIngress();
        time.settle();
        assertEquals("ingress [10.0.0.2/24]", ingressAddress("n2"));
        assertEquals(again.id(), h.node("n3").attachments().getFirst().network().id());
    }

    @Test
    void tasksOfAServicePublishingThroughTheRoutingMeshAreOnIngressFirst() {
        Network ingress = h.addIngress();
        Network appnet = network("appnet", null);
        startAllocator();
        TaskSpec t = template("app:1").withNetworks(List.of(new TaskSpec.NetworkAttachmentConfig("appnet", null, null)));
        Service web = h.service(h.api.services().create(Harness.withPorts(replicated("web", t, 1),
                new PortConfig(null, null, 80, 8080, null))));
        assertEquals(List.of(new Service.VirtualIP(ingress.id(), "10.0.0.2/24"), new Service.VirtualIP(appnet.id(), "10.0.1.2/24")),
                web.endpoint().virtualIPs(), "a VIP on ingress, first, as swarmkit gives it");
        Service host = h.service(h.api.services().create(Harness.withPorts(replicated("host", template("app:1"), 1),
                new PortConfig(null, null, 80, 9090, PublishMode.HOST))));
        assertEquals(List.of(), host.endpoint().virtualIPs(), "host mode is not the routing mesh");
        Task webTask = newTasks(web, 1).getFirst();
        Task hostTask = newTasks(host, 1).getFirst();
        time.settle();
        assertEquals(List.of("ingress [10.0.0.3/24]", "appnet [10.0.1.3/24]"), addresses(webTask));
        assertEquals(web.endpoint(), h.task(webTask.id()).endpoint(), "the task carries the endpoint it was made with");
        assertEquals(TaskState.PENDING, h.task(hostTask.id()).state());
        assertNull(h.task(hostTask.id()).networksAttachments());
    }
}
