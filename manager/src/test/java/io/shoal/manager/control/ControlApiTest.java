package io.shoal.manager.control;

import io.shoal.api.EndpointMode;
import io.shoal.api.UpdateState;
import io.shoal.api.FailureAction;
import io.shoal.api.ServiceMode;
import io.shoal.pki.NodeRole;
import io.shoal.api.PublishMode;
import io.shoal.api.Protocol;
import io.shoal.api.RestartCondition;
import io.shoal.api.Reachability;
import io.shoal.api.NodeState;
import io.shoal.api.NodeAvailability;
import static io.shoal.manager.orchestrator.Harness.global;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static io.shoal.manager.orchestrator.Harness.withConstraints;
import static io.shoal.manager.orchestrator.Harness.withImage;
import static io.shoal.manager.orchestrator.Harness.withPorts;
import static io.shoal.manager.orchestrator.Harness.withRestart;
import static io.shoal.manager.orchestrator.Harness.withUpdateConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.api.PortConfig;
import io.shoal.api.Service;
import io.shoal.api.ServiceSpec;
import io.shoal.api.SwarmSpec;
import io.shoal.api.TaskSpec;
import io.shoal.manager.orchestrator.Harness;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ControlApiTest {
    private final Harness h = new Harness();
    private final ControlApi api = h.api;

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    /** Runs {@code call}, expects a refusal with {@code status}, and checks nothing was written. */
    private ApiException refused(int status, Executable call) {
        long before = h.memory.appliedIndex();
        var objects = h.memory.all();
        ApiException e = assertThrows(ApiException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        assertEquals(objects, h.memory.all(), "a refused call stores nothing");
        assertTrue(h.memory.appliedIndex() <= before + 1, "at most one refused batch");
        return e;
    }

    private static PortConfig port(long target, long published) {
        return new PortConfig(null, null, target, published, null);
    }

    private static List<PortConfig> ports(Service s) {
        return s.endpoint().ports();
    }

    private void updateImage(String ref, String image) {
        Service s = h.service(ref);
        api.services().update(ref, s.version().index(), s.spec().withTaskTemplate(withImage(s.spec().taskTemplate(), image)), false);
    }

    @Test
    void dynamicPortsAreAssignedFromTheRangeAndKeptOnUpdate() {
        h.addIngress();
        String a = api.services().create(withPorts(replicated("a", template("app:1"), 1), port(80, 0)));
        assertEquals(List.of(new PortConfig(null, Protocol.TCP, 80, 30000, PublishMode.INGRESS)), ports(h.service(a)));
        assertEquals(EndpointMode.VIP, h.service(a).endpoint().spec().mode());

        String b = api.services().create(withPorts(replicated("b", template("app:1"), 1), port(80, 0)));
        assertEquals(30001, ports(h.service(b)).getFirst().publishedPort());

        updateImage("a", "app:2");
        assertEquals(30000, ports(h.service(a)).getFirst().publishedPort(), "the port survives an update");

        // Removing a service frees its port for the next one.
        api.services().remove("a");
        String c = api.services().create(withPorts(replicated("c", template("app:1"), 1), port(80, 0)));
        assertEquals(30000, ports(h.service(c)).getFirst().publishedPort());
    }

    @Test
    void aPublishedPortInUseIsRefused() {
        h.addIngress();
        String a = api.services().create(withPorts(replicated("web", template("app:1"), 1), port(80, 8080)));
        ApiException e = refused(400, () -> api.services().create(withPorts(replicated("other", template("app:1"), 1), port(81, 8080))));
        assertEquals("port '8080' is already in use by service 'web' (" + a + ") as an ingress port", e.getMessage());

        String b = api.services().create(withPorts(replicated("b", template("app:1"), 1), port(81, 8081)));
        Service sb = h.service(b);
        refused(400, () -> api.services().update(b, sb.version().index(), withPorts(sb.spec(), port(81, 8080)), false));
    }

    @Test
    void publishingThroughTheRoutingMeshNeedsTheIngressNetwork() {
        ApiException e = refused(400, () -> api.services().create(withPorts(replicated("web", template("app:1"), 1), port(80, 8080))));
        assertEquals("service needs ingress network, but no ingress network is present", e.getMessage());
        String host = api.services().create(withPorts(replicated("host", template("app:1"), 1),
                new PortConfig(null, null, 80, 8080, PublishMode.HOST)));
        assertEquals(List.of(), h.service(host).endpoint().virtualIPs(), "host mode does without");
    }

    /** Ports coming or going roll the service's tasks out again: they carry the endpoint they were made with. */
    @Test
    void aChangedEndpointSpecIsARollout() {
        h.addIngress();
        String id = api.services().create(replicated("web", template("app:1"), 1));
        Service s = h.service(id);
        api.services().update(id, s.version().index(), withPorts(s.spec(), port(80, 8080)), false);
        s = h.service(id);
        assertEquals(UpdateState.UPDATING, s.updateStatus().state());
        assertEquals(1, s.endpoint().virtualIPs().size(), "a VIP on ingress");

        h.update(s.withUpdateStatus(null));
        s = h.service(id);
        api.services().update(id, s.version().index(), withPorts(s.spec()), false);
        s = h.service(id);
        assertEquals(UpdateState.UPDATING, s.updateStatus().state());
        assertEquals(List.of(), s.endpoint().virtualIPs(), "the ingress VIP goes with the last port");
        assertNull(s.endpoint().spec().ports());
    }

    @Test
    void aStaleVersionIsOutOfSequence() {
        String id = api.services().create(replicated("web", template("app:1"), 1));
        Service s = h.service(id);
        updateImage(id, "app:2");
        ApiException e = refused(409, () -> api.services().update(id, s.version().index(), s.spec(), false));
        assertEquals("update out of sequence", e.getMessage());
    }

    @Test
    void anUpdateKeepsThePreviousSpecAndMarksTheRollout() {
        String id = api.services().create(replicated("web", template("app:1"), 1));
        assertNull(h.service(id).updateStatus());
        updateImage(id, "app:2");
        Service s = h.service(id);
        assertEquals("app:1", s.previousSpec().taskTemplate().containerSpec().image());
        assertEquals(UpdateState.UPDATING, s.updateStatus().state());

        // Scaling alone is no rollout.
        Service fresh = h.store.view(r -> r.service(id)).withUpdateStatus(null);
        h.update(fresh);
        Service before = h.service(id);
        api.services().update(id, before.version().index(), Harness.withReplicas(before.spec(), 3), false);
        assertNull(h.service(id).updateStatus());
    }

    @Test
    void rollbackWithoutAPreviousSpecIsRefused() {
        String id = api.services().create(replicated("web", template("app:1"), 1));
        Service s = h.service(id);
        ApiException e = refused(400, () -> api.services().update(id, s.version().index(), null, true));
        assertEquals("service " + id + " does not have a previous spec", e.getMessage());
    }

    @Test
    void changingTheModeOrTheNameIsRefused() {
        String id = api.services().create(replicated("web", template("app:1"), 1));
        Service s = h.service(id);
        refused(400, () -> api.services().update(id, s.version().index(), global("web", template("app:1")), false));
        refused(400, () -> api.services().update(id, s.version().index(), replicated("web2", template("app:1"), 1), false));
    }

    @Test
    void invalidSpecsAreRefusedAndStoreNothing() {
        refused(400, () -> api.services().create(replicated("web", template(""), 1)));
        refused(400, () -> api.services().create(replicated("web", new TaskSpec(null, null, null, null, null, null, 0, null, null, null), 1)));
        refused(400, () -> api.services().create(replicated("web", withRestart(template("app:1"), RestartCondition.ANY, -1L, null), 1)));
        refused(400, () -> api.services().create(replicated("web", withRestart(template("app:1"), RestartCondition.ANY, null, -2L), 1)));
        refused(400, () -> api.services().create(replicated("web", template("app:1"), -1)));
        refused(400, () -> api.services().create(withUpdateConfig(replicated("web", template("app:1"), 1),
                new ServiceSpec.UpdateConfig(-1L, null, null, null, null, null))));
        // A rollback cannot itself fail over to a rollback.
        refused(400, () -> api.services().create(new ServiceSpec("web", null, template("app:1"), new ServiceMode.Replicated(1),
                null, new ServiceSpec.UpdateConfig(null, null, FailureAction.ROLLBACK, null, null, null), null, null)));
        ApiException e = refused(400, () -> api.services().create(replicated("web", withConstraints(template("app:1"), "node.rol=manager"), 1)));
        assertTrue(e.getMessage().startsWith("invalid constraint 'node.rol=manager'"), e.getMessage());
        refused(400, () -> api.services().create(replicated("-bad-", template("app:1"), 1)));
        refused(400, () -> api.services().create(withPorts(replicated("web", template("app:1"), 1), port(0, 80))));
        assertEquals(List.of(), h.store.view(r -> r.services()));

        // The same checks apply to updates.
        String id = api.services().create(replicated("web", template("app:1"), 1));
        Service s = h.service(id);
        refused(400, () -> api.services().update(id, s.version().index(), replicated("web", template(" "), 1), false));
    }

    @Test
    void placementWithPreferencesOnlyIsValid() {
        var spread = new TaskSpec.Placement(null, List.of(new TaskSpec.Preference(new TaskSpec.Spread("node.labels.zone"))), 0, null);
        var t = template("app:1");
        var spec = new TaskSpec(null, t.containerSpec(), null, null, null, spread, 0, null, null, null);
        String id = api.services().create(replicated("web", spec, 1));
        assertEquals(spread, h.service(id).spec().taskTemplate().placement());
    }

    @Test
    void aTakenNameIsAConflict() {
        api.services().create(replicated("web", template("app:1"), 1));
        ApiException e = refused(409, () -> api.services().create(replicated("web", template("app:2"), 1)));
        assertTrue(e.getMessage().contains("web"), e.getMessage());
        assertEquals(1, h.store.view(r -> r.services()).size());
    }

    @Test
    void servicesResolveByIdNameOrUniquePrefix() {
        String id = api.services().create(replicated("web", template("app:1"), 1));
        String other = api.services().create(replicated("db", template("app:1"), 1));
        assertEquals(id, h.service(id).id());
        assertEquals(id, h.service("web").id());
        int common = 0;
        while (id.charAt(common) == other.charAt(common)) common++;
        assertEquals(id, h.service(id.substring(0, common + 1)).id());
        if (common > 0) {
            String shared = id.substring(0, common);
            assertEquals(400, assertThrows(ApiException.class, () -> h.service(shared)).status());
        }
        assertEquals(404, assertThrows(ApiException.class, () -> h.service("nope")).status());
        assertEquals(404, assertThrows(ApiException.class, () -> api.services().remove("nope")).status());
    }

    @Test
    void aServiceWithoutNameOrModeGetsOneReplicaAndAName() {
        var spec = new ServiceSpec(null, null, template("app:1"), null, null, null, null, null);
        Service s = h.service(api.services().create(spec));
        assertEquals(new ServiceMode.Replicated(1), s.mode());
        assertTrue(s.spec().name().matches("[a-z]+_[a-z]+"), s.spec().name());
    }

    @Test
    void nodeUpdatesAreVersionedAndChecked() {
        Node n = h.addNode(Harness.newNode("n1"));
        api.nodes().update("n1", n.version().index(), new Node.Spec("n1", null, null, NodeAvailability.DRAIN));
        Node drained = h.node("n1");
        assertEquals(NodeAvailability.DRAIN, drained.spec().availability());
        assertEquals(NodeRole.WORKER, drained.spec().role(), "a blank role keeps the old one");
        refused(409, () -> api.nodes().update("n1", n.version().index(), new Node.Spec("n1", null, null, NodeAvailability.ACTIVE)));
        refused(400, () -> api.nodes().remove("n1", false));
        api.nodes().remove("n1", true);
        assertNull(h.node("n1"));
    }

    private Node manager(String id) {
        return h.addNode(Harness.newNode(id).withSpec(new Node.Spec(id, null, NodeRole.MANAGER, NodeAvailability.ACTIVE))
                .withManagerStatus(new Node.ManagerStatus(false, Reachability.REACHABLE, id + ":2377")));
    }

    private void setRole(String id, NodeRole role) {
        api.nodes().update(id, h.node(id).version().index(), new Node.Spec(id, null, role, null));
    }

    @Test
    void promotionAndDemotionFollowSwarmkitsChecks() {
        manager("m1");
        h.addNode(Harness.newNode("w1"));
        assertTrue(refused(400, () -> setRole("m1", NodeRole.WORKER)).getMessage()
                .contains("attempting to demote the last manager of the swarm"));

        setRole("w1", NodeRole.MANAGER);
        Node promoted = h.node("w1");
        assertEquals(NodeRole.MANAGER, promoted.spec().role());
        assertNull(promoted.managerStatus(), "a Raft member only once it has joined");
        assertEquals(NodeRole.MANAGER, promoted.certifiedRole(), "the CA certifies it as a manager at once");

        // Three members, one down: removing another would leave one of two.
        manager("m2");
        manager("m3");
        h.setNodeState("m3", NodeState.DOWN);
        assertTrue(refused(400, () -> setRole("m2", NodeRole.WORKER)).getMessage()
                .contains("can't remove member from the raft: this would result in a loss of quorum"));
        h.setNodeState("m3", NodeState.READY);
        setRole("m2", NodeRole.WORKER);
        assertEquals(NodeRole.WORKER, h.node("m2").spec().role());
        assertEquals(NodeRole.MANAGER, h.node("m2").certifiedRole(), "until the role manager has removed it");
    }

    @Test
    void aRaftMemberCannotBeRemovedButAManagerThatLeftCan() {
        manager("m1");
        manager("m2");
        assertTrue(refused(400, () -> api.nodes().remove("m2", true)).getMessage().contains(
                "is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal"));
        // swarm leave --force: out of the group and down, still a manager by its spec
        Node left = h.node("m2");
        h.update(left.withManagerStatus(null).withStatus(new Node.Status(NodeState.DOWN, "node left the swarm", null)));
        api.nodes().remove("m2", false);
        assertNull(h.node("m2"));
    }

    @Test
    void swarmUpdatesAreVersionedAndRotateTokens() {
        var c = h.createCluster(null);
        refused(400, () -> api.swarm().update(c.version().index(), Harness.swarmSpec(-2L, null), false, false, false));
        api.swarm().update(c.version().index(), Harness.swarmSpec(2L, null), false, false, false);
        refused(409, () -> api.swarm().update(c.version().index(), Harness.swarmSpec(3L, null), false, false, false));
        assertEquals(2L, h.store.view(r -> r.cluster()).spec().orchestration().taskHistoryRetentionLimit());
        var tooShort = new SwarmSpec("default", null, null, null, null,
                new SwarmSpec.CaConfig(Duration.ofMinutes(30).toNanos(), null, null, null, 0), null, null);
        assertEquals("minimum certificate expiry time is: 1h0m0s",
                refused(400, () -> api.swarm().update(h.store.view(r -> r.cluster()).version().index(), tooShort, false, false, false)).getMessage());

        var current = h.store.view(r -> r.cluster());
        String worker = current.joinTokens().worker();
        String manager = current.joinTokens().manager();
        api.swarm().update(current.version().index(), current.spec(), true, false, false);
        String rotated = h.store.view(r -> r.cluster()).joinTokens().worker();
        assertNotEquals(worker, rotated);
        assertEquals(worker.substring(0, worker.lastIndexOf('-')), rotated.substring(0, rotated.lastIndexOf('-')),
                "the same swarm's digest, a new secret");
        assertEquals(manager, h.store.view(r -> r.cluster()).joinTokens().manager());
    }

    /** swarmkit's rules for the managers' unlock key: made with autolock, rotated on request, dropped without it; never shown. */
    @Test
    void autolockMakesRotatesAndDropsTheUnlockKey() {
        h.createCluster(null);
        assertEquals("", api.swarm().unlockKey());
        SwarmSpec plain = h.store.view(r -> r.cluster()).spec();
        SwarmSpec locked = new SwarmSpec(plain.name(), plain.labels(), plain.orchestration(), plain.raft(), plain.dispatcher(),
                plain.caConfig(), new SwarmSpec.EncryptionConfig(true), plain.taskDefaults());

        api.swarm().update(h.store.view(r -> r.cluster()).version().index(), locked, false, false, false);
        String first = api.swarm().unlockKey();
        assertTrue(first.startsWith("SWMKEY-1-"), first);
        assertEquals(first, io.shoal.pki.UnlockKey.parse(first).value());
        assertNull(api.swarm().get().unlockKey(), "the unlock key is in an API response");
        api.swarm().update(h.store.view(r -> r.cluster()).version().index(), locked, true, false, false);
        assertEquals(first, api.swarm().unlockKey(), "another rotation changed the unlock key");

        api.swarm().update(h.store.view(r -> r.cluster()).version().index(), locked, false, false, true);
        String second = api.swarm().unlockKey();
        assertNotEquals(first, second);

        api.swarm().update(h.store.view(r -> r.cluster()).version().index(), plain, false, false, true);
        assertEquals("", api.swarm().unlockKey());
        assertNull(h.store.view(r -> r.cluster()).unlockKey());
    }
}
