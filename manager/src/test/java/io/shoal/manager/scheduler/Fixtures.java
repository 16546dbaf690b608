package io.shoal.manager.scheduler;

import io.shoal.api.Driver;
import io.shoal.api.EndpointMode;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.NodeAvailability;
import io.shoal.api.NodeState;
import io.shoal.api.Platform;
import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.api.TaskStatus;
import io.shoal.api.Version;
import io.shoal.pki.NodeRole;
import io.shoal.store.DirectProposer;
import io.shoal.store.MemoryStore;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small builders for the objects scheduler tests put in a real in-memory store. */
final class Fixtures {
    static final long CPU = 1_000_000_000L;
    static final long GIB = 1L << 30;
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private Fixtures() {}

    static Store store() {
        MemoryStore memory = new MemoryStore();
        return new Store(memory, new DirectProposer(memory), Clock.systemUTC());
    }

    /** A ready, active linux/amd64 worker with 4 CPUs and 8 GiB. */
    static Node node(String id) {
        return new Node(id, Version.NONE, null, null,
                new Node.Spec(id, Map.of(), NodeRole.WORKER, NodeAvailability.ACTIVE),
                new Node.Description(id, new Platform("x86_64", "linux"), new Node.Resources(4 * CPU, 8 * GIB),
                        new Node.Engine("25.0", Map.of(), List.of()), null),
                new Node.Status(NodeState.READY, null, "10.0.0.1"), null);
    }

    static Node withLabels(Node n, Map<String, String> labels) {
        var s = n.spec();
        return n.withSpec(new Node.Spec(s.name(), labels, s.role(), s.availability()));
    }

    static Node withAvailability(Node n, NodeAvailability availability) {
        var s = n.spec();
        return n.withSpec(new Node.Spec(s.name(), s.labels(), s.role(), availability));
    }

    /** The node with its engine offering these plugins, {@code "Network/overlay"} for instance. */
    static Node withPlugins(Node n, String... typeSlashName) {
        var d = n.description();
        var plugins = java.util.Arrays.stream(typeSlashName)
                .map(p -> new Node.PluginDescription(p.substring(0, p.indexOf('/')), p.substring(p.indexOf('/') + 1))).toList();
        return n.withDescription(new Node.Description(d.hostname(), d.platform(), d.resources(),
                new Node.Engine(d.engine().engineVersion(), d.engine().labels(), plugins), null));
    }

    /** The task attached to an overlay network, as the allocator leaves it. */
    static Task attached(Task t) {
        return attached(t, Map.of());
    }

    /** The task attached to an overlay network created with {@code --opt encrypted}. */
    static Task attachedEncrypted(Task t) {
        return attached(t, Map.of(Network.ENCRYPTED, ""));
    }

    private static Task attached(Task t, Map<String, String> options) {
        Map<String, String> state = new HashMap<>(options);
        state.put(Network.VXLAN_ID_LIST, "4097");
        Network overlay = new Network("net1", Version.NONE, null, null,
                new Network.Spec("appnet", null, new Driver("overlay", options), false, false, false, false, null, "swarm"),
                new Driver("overlay", state), null);
        return t.withNetworksAttachments(List.of(new Task.NetworkAttachment(overlay, List.of("10.0.1.3/24"))));
    }

    static Node withPlatform(Node n, String os, String arch) {
        var d = n.description();
        return n.withDescription(new Node.Description(d.hostname(), new Platform(arch, os), d.resources(), d.engine(),
                null));
    }

    static TaskSpec spec() {
        return spec(null, null);
    }

    static TaskSpec spec(TaskSpec.Placement placement, TaskSpec.Resources resources) {
        return new TaskSpec(null, null, null, resources, null, placement, 0, null, null, null);
    }

    static TaskSpec reserving(long nanoCpus, long memoryBytes) {
        return spec(null, new TaskSpec.Resources(null, new TaskSpec.Reservations(nanoCpus, memoryBytes, null), null,
                null));
    }

    static TaskSpec constrained(String... constraints) {
        return spec(new TaskSpec.Placement(List.of(constraints), null, 0, null), null);
    }

    static TaskSpec spreadOver(String... descriptors) {
        var prefs = java.util.Arrays.stream(descriptors)
                .map(d -> new TaskSpec.Preference(new TaskSpec.Spread(d))).toList();
        return spec(new TaskSpec.Placement(null, prefs, 0, null), null);
    }

    static TaskSpec maxReplicas(long max) {
        return spec(new TaskSpec.Placement(null, null, max, null), null);
    }

    static TaskSpec platforms(Platform... platforms) {
        return spec(new TaskSpec.Placement(null, null, 0, List.of(platforms)), null);
    }

    static Service service(String id, TaskSpec template, PortConfig... ports) {
        var endpoint = new ServiceSpec.EndpointSpec(EndpointMode.VIP, List.of(ports));
        var spec = new ServiceSpec(id, Map.of(), template, null, null, null, null, endpoint);
        return new Service(id, Version.NONE, null, null, spec, null, null, null, null, null);
    }

    static PortConfig hostPort(long port) {
        return new PortConfig(null, Protocol.TCP, 80, port, PublishMode.HOST);
    }

    /** A task the allocator has just made PENDING, not bound to a node. */
    static Task pending(String id, String serviceId, long slot, TaskSpec spec) {
        return new Task(id, Version.NONE, null, null, serviceId + "." + slot, Map.of(), spec, serviceId, slot, null,
                TaskStatus.of(TaskState.PENDING, "pending task scheduling", T0), TaskState.RUNNING, null, null);
    }

    /** A task already running on a node. */
    static Task running(String id, String serviceId, String nodeId, TaskSpec spec) {
        return pending(id, serviceId, 0, spec).withNodeId(nodeId)
                .withStatus(TaskStatus.of(TaskState.RUNNING, "started", T0));
    }
}
