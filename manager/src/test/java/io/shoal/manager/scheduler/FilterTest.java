package io.shoal.manager.scheduler;

import static io.shoal.manager.scheduler.Fixtures.CPU;
import static io.shoal.manager.scheduler.Fixtures.GIB;
import static io.shoal.manager.scheduler.Fixtures.attached;
import static io.shoal.manager.scheduler.Fixtures.node;
import static io.shoal.manager.scheduler.Fixtures.pending;
import static io.shoal.manager.scheduler.Fixtures.reserving;
import static io.shoal.manager.scheduler.Fixtures.running;
import static io.shoal.manager.scheduler.Fixtures.spec;
import static io.shoal.manager.scheduler.Fixtures.withAvailability;
import static io.shoal.manager.scheduler.Fixtures.withLabels;
import static io.shoal.manager.scheduler.Fixtures.withPlatform;
import static io.shoal.manager.scheduler.Fixtures.withPlugins;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Node;
import io.shoal.api.NodeAvailability;
import io.shoal.api.NodeState;
import io.shoal.api.Platform;
import io.shoal.api.Protocol;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each filter on its own, against hand-built node pictures. */
class FilterTest {

    private static NodeInfo info(Node n) {
        return new NodeInfo(n);
    }

    @Test
    void readyWantsAReadyActiveNode() {
        Filter f = new ReadyFilter();
        assertTrue(f.check(info(node("a"))));
        assertFalse(f.check(info(withAvailability(node("a"), NodeAvailability.DRAIN))));
        assertFalse(f.check(info(withAvailability(node("a"), NodeAvailability.PAUSE))));
        assertFalse(f.check(info(node("a").withStatus(new Node.Status(NodeState.DOWN, null, null)))));
        assertEquals("1 node not available for new tasks", f.explain(1));
        assertEquals("3 nodes not available for new tasks", f.explain(3));
    }

    @Test
    void resourcesCountWhatTasksOnTheNodeReserve() {
        Filter f = ResourceFilter.forTask(reserving(2 * CPU, GIB)).orElseThrow();
        NodeInfo n = info(node("a")); // 4 CPUs, 8 GiB
        assertTrue(f.check(n));
        n.add(running("t1", "s", "a", reserving(2 * CPU, 0)), List.of());
        assertTrue(f.check(n), "exactly enough is enough");
        n.add(running("t2", "s", "a", reserving(CPU / 2, 0)), List.of());
        assertFalse(f.check(n));
        assertFalse(ResourceFilter.forTask(reserving(CPU, 9 * GIB)).orElseThrow().check(info(node("b"))));
        assertTrue(ResourceFilter.forTask(spec()).isEmpty(), "no reservation, no filter");
        assertEquals("insufficient resources on 1 node", f.explain(1));
        assertEquals("insufficient resources on 2 nodes", f.explain(2));
    }

    @Test
    void resourcesStayHeldUntilTheTaskHasStopped() {
        NodeInfo n = info(node("a"));
        n.add(running("t1", "s", "a", reserving(4 * CPU, 0)).withDesiredState(TaskState.SHUTDOWN), List.of());
        assertFalse(ResourceFilter.forTask(reserving(CPU, 0)).orElseThrow().check(n));
        assertEquals(0, n.activeTasks("s"), "but it no longer counts towards spread");
    }

    @Test
    void networksWantTheirDriverAmongTheNodesPlugins() {
        Filter f = PluginFilter.forTask(attached(pending("t", "s", 1, spec()))).orElseThrow();
        assertFalse(f.check(info(node("a"))), "no plugins at all");
        assertFalse(f.check(info(withPlugins(node("a"), "Volume/overlay", "Log/json-file"))));
        assertTrue(f.check(info(withPlugins(node("a"), "Log/json-file", "Network/overlay"))));
        assertTrue(f.check(info(withPlugins(node("a"), "Network/overlay:latest"))));
        Node noEngine = node("a").withDescription(new Node.Description("a", new Platform("x86_64", "linux"), null, null, null));
        assertTrue(f.check(info(noEngine)), "a node that describes no engine is not filtered, as in swarmkit");
        assertTrue(PluginFilter.forTask(pending("t", "s", 1, spec())).isEmpty(), "no networks, no filter");
        assertEquals("missing plugin on 1 node", f.explain(1));
        assertEquals("missing plugin on 2 nodes", f.explain(2));
    }

    @Test
    void encryptedNetworksWantANodeThatSaysItEncrypts() {
        Filter f = EncryptionFilter.forTask(Fixtures.attachedEncrypted(pending("t", "s", 1, spec()))).orElseThrow();
        assertFalse(f.check(info(withPlugins(node("a"), "Network/overlay"))), "overlay alone is not enough");
        assertTrue(f.check(info(withPlugins(node("a"), "Network/overlay", "Network/overlay-encrypted"))));
        Node noEngine = node("a").withDescription(new Node.Description("a", new Platform("x86_64", "linux"), null, null, null));
        assertFalse(f.check(info(noEngine)), "encryption is never assumed");
        assertTrue(EncryptionFilter.forTask(attached(pending("t", "s", 1, spec()))).isEmpty(), "a plain network, no filter");
        assertEquals("encrypted overlay networks not supported on 1 node", f.explain(1));
        assertEquals("encrypted overlay networks not supported on 2 nodes", f.explain(2));
    }

    @Test
    void constraintsMustAllHold() {
        Filter f = ConstraintFilter.forTask(Fixtures.constrained("node.labels.zone==a", "node.role!=manager"))
                .orElseThrow();
        assertTrue(f.check(info(withLabels(node("a"), Map.of("zone", "a")))));
        assertFalse(f.check(info(withLabels(node("b"), Map.of("zone", "b")))));
        assertEquals("scheduling constraints not satisfied on 1 node", f.explain(1));
        assertEquals("scheduling constraints not satisfied on 2 nodes", f.explain(2));
    }

    @Test
    void unparsableConstraintsFitNoNode() {
        Filter f = ConstraintFilter.forTask(Fixtures.constrained("node.role=worker")).orElseThrow();
        assertFalse(f.check(info(node("a"))));
    }

    @Test
    void platformMatchesOsAndArchUnderEitherName() {
        Filter amd64 = PlatformFilter.forTask(Fixtures.platforms(new Platform("amd64", "linux"))).orElseThrow();
        assertTrue(amd64.check(info(node("a"))), "x86_64 is amd64");
        assertFalse(amd64.check(info(withPlatform(node("a"), "windows", "amd64"))));
        assertFalse(amd64.check(info(withPlatform(node("a"), "linux", "aarch64"))));
        Filter anyArm = PlatformFilter.forTask(Fixtures.platforms(new Platform("arm64", ""))).orElseThrow();
        assertTrue(anyArm.check(info(withPlatform(node("a"), "linux", "aarch64"))));
        assertEquals("unsupported platform on 1 node", amd64.explain(1));
        assertEquals("unsupported platform on 4 nodes", amd64.explain(4));
    }

    @Test
    void hostPortsConflictWithTasksHoldingThem() {
        HostPort p8080 = new HostPort(Protocol.TCP, 8080);
        Filter f = HostPortFilter.forTask(List.of(p8080)).orElseThrow();
        NodeInfo n = info(node("a"));
        n.add(running("t1", "other", "a", spec()), List.of(new HostPort(Protocol.UDP, 8080)));
        assertTrue(f.check(n), "another protocol is another port");
        n.add(running("t2", "other", "a", spec()), List.of(p8080));
        assertFalse(f.check(n));
        assertTrue(HostPortFilter.forTask(List.of()).isEmpty());
        assertEquals("host-mode port already in use on 1 node", f.explain(1));
        assertEquals("host-mode port already in use on 2 nodes", f.explain(2));
    }

    @Test
    void maxReplicasCountsTasksOfTheSameService() {
        TaskSpec spec = Fixtures.maxReplicas(2);
        Filter f = MaxReplicasFilter.forTask("s", spec).orElseThrow();
        NodeInfo n = info(node("a"));
        n.add(running("t1", "s", "a", spec), List.of());
        n.add(running("t2", "other", "a", spec), List.of());
        assertTrue(f.check(n));
        n.add(running("t3", "s", "a", spec), List.of());
        assertFalse(f.check(n));
        assertTrue(MaxReplicasFilter.forTask("s", spec()).isEmpty());
        assertEquals("max replicas per node limit exceed", f.explain(1));
        assertEquals("max replicas per node limit exceed", f.explain(5));
    }

    @Test
    void explanationListsFiltersByRejectionsMostFirst() {
        TaskSpec spec = spec(new TaskSpec.Placement(List.of("node.labels.zone==a"), null, 0, null),
                reserving(3 * CPU, 0).resources());
        Pipeline p = Pipeline.forTask(pending("t", "s", 1, spec), List.of());
        NodeInfo busy = info(withLabels(node("busy"), Map.of("zone", "a")));
        busy.add(running("t1", "x", "busy", reserving(2 * CPU, 0)), List.of());
        NodeInfo busy2 = info(withLabels(node("busy2"), Map.of("zone", "a")));
        busy2.add(running("t2", "x", "busy2", reserving(2 * CPU, 0)), List.of());
        NodeInfo elsewhere = info(withLabels(node("b"), Map.of("zone", "b")));
        NodeInfo drained = info(withAvailability(node("d"), NodeAvailability.DRAIN));
        assertEquals("insufficient resources on 2 nodes; 1 node not available for new tasks; "
                + "scheduling constraints not satisfied on 1 node", p.explain(List.of(busy, elsewhere, busy2, drained)));
        assertEquals("", p.explain(List.of(info(withLabels(node("ok"), Map.of("zone", "a"))))));
    }
}
