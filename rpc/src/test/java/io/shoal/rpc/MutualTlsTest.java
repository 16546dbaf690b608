package io.shoal.rpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.Node;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeRole;
import io.shoal.pki.TestSwarm;
import io.shoal.pki.TlsMaterial;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster port's refusals, each made where production makes it: a real {@link RpcServer} with
 * its interceptor, channels from {@link RpcChannels}, node certificates from the pki. Each test
 * also shows the call going through for a peer that may make it, or checks that nothing reached
 * the service, so that it fails if the check it names is removed.
 */
class MutualTlsTest {
    private static final Node.Description DESCRIPTION = new Node.Description("host-a", null, null, null, null);

    private TestClusterPort port;
    private List<X509Certificate> roots;

    @BeforeEach
    void start() throws IOException {
        port = new TestClusterPort(List.of());
        roots = List.of(port.swarm.root.certificate());
    }

    @AfterEach
    void stop() {
        port.close();
    }

    private ApiException refusedRegistration(TlsMaterial client) {
        try (var dispatcher = new RemoteDispatcher(RpcChannels.mutualTls(port.target, client), Duration.ofSeconds(5))) {
            return assertThrows(ApiException.class, () -> dispatcher.register("node-a", DESCRIPTION, "10.0.0.2"));
        }
    }

    @Test
    void aCallWithoutACertificateIsRefused() {
        try (var anonymous = new RemoteDispatcher(RpcChannels.serverAuthenticated(port.target, roots), Duration.ofSeconds(5))) {
            var e = assertThrows(ApiException.class, () -> anonymous.register("node-a", DESCRIPTION, "10.0.0.2"));
            assertEquals(401, e.status());
            assertTrue(e.getMessage().contains("requires a client certificate"), e.getMessage());
        }
        try (var ca = CaClient.joining(port.target, roots)) {
            var e = assertThrows(ApiException.class, () -> ca.renew(NodeCertificates.Request.generate().csrPem()));
            assertEquals(401, e.status());
        }
        assertEquals(List.of(), port.dispatcher.calls);
        assertEquals(List.of(), port.ca.renewedFor);
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() {
        // Same cluster id, another root; it trusts our root, so only the server's check can refuse it.
        TlsMaterial rogue = new TestSwarm(port.swarm.clusterId).node("node-a", NodeRole.WORKER);
        var e = refusedRegistration(new TlsMaterial(rogue.key(), rogue.certChain(), roots));
        assertEquals(503, e.status(), e.getMessage());
        assertEquals(List.of(), port.dispatcher.calls);
        assertEquals(0, port.authorizations.get(), "no call may reach the interceptor");
    }

    /** Refused as removed, which the node's agent takes as the end of its membership rather than a failure to retry. */
    @Test
    void aRemovedNodeIsRefusedAsRemoved() {
        TlsMaterial removed = port.swarm.node(TestClusterPort.REMOVED, NodeRole.WORKER);
        try (var dispatcher = new RemoteDispatcher(RpcChannels.mutualTls(port.target, removed), Duration.ofSeconds(5))) {
            var e = assertThrows(DispatcherProtocol.NodeRemovedException.class, () -> dispatcher.register("node-a", DESCRIPTION, "10.0.0.2"));
            assertTrue(e.getMessage().contains("may not call the managers: node node-removed was removed from the swarm"), e.getMessage());
        }
        try (var ca = CaClient.authenticated(port.target, removed)) {
            assertThrows(DispatcherProtocol.NodeRemovedException.class, () -> ca.renew(NodeCertificates.Request.generate().csrPem()));
        }
        assertEquals(List.of(), port.dispatcher.calls);
        assertEquals(List.of(), port.ca.renewedFor);
    }

    @Test
    void onlyAManagerMayJoinTheRaftGroup() {
        TlsMaterial worker = port.swarm.node("node-a", NodeRole.WORKER);
        var e = assertThrows(ApiException.class, () -> RaftMembership.request(port.target, worker, "10.0.0.2:2378", "10.0.0.2:2377"));
        assertEquals(403, e.status());
        assertTrue(e.getMessage().contains("only a manager may join the Raft group"), e.getMessage());
        assertEquals(List.of(), port.raftJoins);

        TlsMaterial manager = port.swarm.node("manager-2", NodeRole.MANAGER);
        RaftMembership.request(port.target, manager, "10.0.0.3:2378", "10.0.0.3:2377");
        assertEquals(List.of(manager.identity()), port.raftJoins);
    }

    @Test
    void onlyAManagerMayFetchTheSwarmsState() {
        var e = assertThrows(ApiException.class, () -> StateTransfer.fetch(port.target, port.swarm.node("node-a", NodeRole.WORKER), 5));
        assertEquals(403, e.status());
        assertTrue(e.getMessage().contains("only a manager may fetch the swarm's state"), e.getMessage());
        assertEquals(List.of(), port.stateFetches);

        assertArrayEquals(TestClusterPort.STATE, StateTransfer.fetch(port.target, port.swarm.node("manager-2", NodeRole.MANAGER), 5));
        assertEquals(List.of(5L), port.stateFetches);
    }

    @Test
    void aWrongOrForgedJoinTokenGetsNoCertificate() {
        String csr = NodeCertificates.Request.generate().csrPem();
        var tokens = port.swarm.tokens;
        try (var ca = CaClient.joining(port.target, roots)) {
            for (String token : List.of(
                    "SWMTKN-1-wrong",
                    tokens.worker().rotate().value(),   // this swarm's digest, a secret of its own making
                    new TestSwarm(port.swarm.clusterId).tokens.manager().value())) {
                var e = assertThrows(ApiException.class, () -> ca.issue(csr, token, null));
                assertEquals(400, e.status());
                assertEquals("A valid join token is necessary to join this cluster", e.getMessage());
            }
            var e = assertThrows(ApiException.class, () -> ca.issue(csr, tokens.worker().value(), NodeRole.MANAGER));
            assertEquals(400, e.status());
            assertTrue(e.getMessage().contains("a worker join token cannot be used to join as a manager"), e.getMessage());
            assertEquals(List.of(), port.ca.issued);

            assertEquals(NodeRole.WORKER, ca.issue(csr, tokens.worker().value(), null).identity().role());
        }
    }

    @Test
    void theClientRefusesAServerOfAnotherSwarm() {
        // Our own node, trusting another swarm's root only: the server accepts it, it does not accept the server.
        TlsMaterial mine = port.swarm.node("node-a", NodeRole.WORKER);
        List<X509Certificate> elsewhere = List.of(new TestSwarm(port.swarm.clusterId).root.certificate());
        var e = refusedRegistration(new TlsMaterial(mine.key(), mine.certChain(), elsewhere));
        assertEquals(503, e.status());
        assertTrue(e.getMessage().contains("TLS handshake"), e.getMessage());
        assertEquals(List.of(), port.dispatcher.calls);
    }

    @Test
    void aServerWithAWorkerCertificateIsNotTakenForAManager() throws IOException {
        try (var impostor = RpcServer.builder(new InetSocketAddress("127.0.0.1", 0), port.swarm.node("worker-9", NodeRole.WORKER))
                        .dispatcher(port.dispatcher).start();
                var client = RemoteDispatcher.connect("127.0.0.1:" + impostor.port(), port.swarm.node("node-a", NodeRole.WORKER))) {
            var e = assertThrows(ApiException.class, () -> client.register("node-a", DESCRIPTION, "10.0.0.2"));
            assertEquals(503, e.status());
            assertTrue(e.getMessage().contains("TLS handshake"), e.getMessage());
        }
        assertEquals(List.of(), port.dispatcher.calls);
    }
}
