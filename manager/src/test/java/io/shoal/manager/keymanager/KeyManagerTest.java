package io.shoal.manager.keymanager;

import static io.shoal.manager.orchestrator.Harness.newNode;
import static io.shoal.manager.orchestrator.Harness.replicated;
import static io.shoal.manager.orchestrator.Harness.template;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Driver;
import io.shoal.api.Json;
import io.shoal.api.Network;
import io.shoal.api.NetworkKey;
import io.shoal.api.NodeKey;
import io.shoal.api.Service;
import io.shoal.api.Task;
import io.shoal.api.TaskSpec;
import io.shoal.api.TaskState;
import io.shoal.common.wireguard.Key;
import io.shoal.manager.VirtualTime;
import io.shoal.manager.control.NetworkControl;
import io.shoal.manager.control.NodeControl;
import io.shoal.manager.control.TaskControl;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.manager.orchestrator.Tasks;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The keys of encrypted networks: made, rotated, deleted, and never shown by the API. */
class KeyManagerTest {
    private static final Duration ROTATION = Duration.ofHours(1);
    private final VirtualTime time = new VirtualTime();
    private final Harness h = new Harness(time);

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private String createEncrypted(String name) {
        return h.api.networks().create(new Network.Spec(name, null, new Driver("overlay", Map.of(Network.ENCRYPTED, "")),
                false, false, false, false, null, null));
    }

    private NetworkKey networkKey(String id) {
        return h.store.view(r -> r.networkKey(id));
    }

    private NodeKey nodeKey(String id) {
        return h.store.view(r -> r.nodeKey(id));
    }

    @Test
    void anEncryptedNetworkIsStoredWithItsKeyAndRemovedWithIt() {
        String id = createEncrypted("secret");
        Network n = h.api.networks().get(id);
        assertTrue(n.isEncrypted());
        assertEquals("", n.driverState().options().get(Network.ENCRYPTED), "inspect shows the option as Docker does");
        assertNotNull(networkKey(id), "made in the same write");
        String plain = h.api.networks().create(new Network.Spec("plain", null, null, false, false, false, false, null, null));
        assertNull(networkKey(plain));

        h.api.networks().remove("secret");
        assertNull(networkKey(id));
    }

    @Test
    void everyNodeGetsAKeyPairAndLosesItWhenRemoved() {
        h.addNode(newNode("n1"));
        h.start(new KeyManager(h.store, h.clock, h.ticker, ROTATION));
        time.settle();
        NodeKey n1 = nodeKey("n1");
        assertNotNull(n1, "a node already there when the manager starts leading");
        assertEquals(n1.privateKey().publicKey(), n1.publicKey());

        h.addNode(newNode("n2"));
        time.settle();
        assertNotNull(nodeKey("n2"), "a node that joins");
        assertNotEquals(n1.privateKey(), nodeKey("n2").privateKey());

        h.removeNode("n1");
        time.settle();
        assertNull(nodeKey("n1"), "a removed node's keys are deleted");
        time.advance(Duration.ofHours(5));
        assertEquals(nodeKey("n2").createdAt(), nodeKey("n2").updatedAt(), "node key pairs are not rotated");
    }

    @Test
    void aNetworksKeyIsReplacedEveryRotationPeriod() {
        h.start(new KeyManager(h.store, h.clock, h.ticker, ROTATION));
        String id = createEncrypted("secret");
        time.settle();
        Key first = networkKey(id).presharedKey();
        time.advance(ROTATION.minusMinutes(1));
        assertEquals(first, networkKey(id).presharedKey(), "not before its period");
        time.advance(Duration.ofMinutes(1));
        Key second = networkKey(id).presharedKey();
        assertNotEquals(first, second, "rotated when due");
        assertEquals(h.clock.instant(), networkKey(id).updatedAt());
        time.advance(ROTATION);
        assertNotEquals(second, networkKey(id).presharedKey(), "and again a period later");
    }

    /** No private key, preshared key or public key of the swarm's tunnels in any object the API shows. */
    @Test
    void noKeyIsInAnyApiResponse() throws Exception {
        h.addNode(newNode("n1"));
        h.start(new KeyManager(h.store, h.clock, h.ticker, ROTATION));
        String id = createEncrypted("secret");
        var spec = replicated("web", template("app:1"), 1);
        spec = spec.withTaskTemplate(spec.taskTemplate().withNetworks(List.of(new TaskSpec.NetworkAttachmentConfig(id, null, null))));
        Service web = h.service(h.api.services().create(spec));
        h.create(Tasks.newTask(web, 1, "n1", TaskState.RUNNING, h.clock.instant())
                .withNetworksAttachments(List.of(new Task.NetworkAttachment(h.api.networks().get(id), List.of("10.0.1.5/24")))));
        time.settle();
        String shown = Json.MAPPER.writeValueAsString(List.of(
                h.api.nodes().list(NodeControl.Query.ALL), h.api.nodes().get("n1"),
                h.api.networks().list(NetworkControl.Query.ALL), h.api.networks().get(id),
                h.api.networks().endpoints(id), h.api.tasks().list(new TaskControl.Query(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), false))));
        assertTrue(shown.contains("\"encrypted\":\"\""), "the task's network is there: " + shown);
        for (Key k : List.of(nodeKey("n1").privateKey(), nodeKey("n1").publicKey(), networkKey(id).presharedKey())) {
            assertFalse(shown.contains(k.base64()), shown);
        }
    }
}
