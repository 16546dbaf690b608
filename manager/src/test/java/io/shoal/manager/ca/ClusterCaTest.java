package io.shoal.manager.ca;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Node;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.pki.JoinToken;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.pki.PkiException;
import io.shoal.pki.RootCa;
import io.shoal.rpc.CaClient;
import io.shoal.rpc.RpcServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store-backed CA, served on a real cluster port as the daemon serves it: the CA behind the
 * Ca service and its removed-node check in front of every call.
 */
class ClusterCaTest {
    private final Harness h = new Harness();
    /** Whether the manager under test leads: only a leader calls a node it does not know removed. */
    private volatile boolean leads = true;
    private final ClusterCa ca = new ClusterCa(h.store, () -> leads);
    private Cluster cluster;
    private RpcServer server;
    private String target;
    private RootCa root;

    @BeforeEach
    void start() throws IOException {
        h.update(ClusterCa.withNewRoot(h.createCluster(null)));
        cluster = h.store.view(r -> r.cluster());
        root = RootCa.fromCertificatePem(ca.rootCaPem());
        NodeCertificates manager = ClusterCa.firstManager(cluster, "manager-1", List.of("127.0.0.1"));
        server = RpcServer.builder(new InetSocketAddress("127.0.0.1", 0), manager.tls())
                .certificateAuthority(ca)
                .peerAuthorizer(ca::authorize)
                .start();
        target = "127.0.0.1:" + server.port();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        h.close();
    }

    private NodeCertificates join(String token) {
        var request = NodeCertificates.Request.generate();
        try (var client = CaClient.joining(target, List.of(root.certificate()))) {
            return NodeCertificates.of(request, client.issue(request.csrPem(), token, null));
        }
    }

    private NodeCertificates renew(NodeCertificates certs) {
        var request = NodeCertificates.Request.generate();
        try (var client = CaClient.authenticated(target, certs.tls())) {
            return NodeCertificates.of(request, client.renew(request.csrPem()));
        }
    }

    @Test
    void theFirstManagerIsCertifiedByTheNewRoot() {
        NodeCertificates first = ClusterCa.firstManager(cluster, "m1", List.of("10.0.0.1"));
        assertEquals(new NodeIdentity("m1", NodeRole.MANAGER, cluster.id()), first.identity());
        assertEquals(List.of(root.certificate()), first.tls().trustRoots());
        JoinToken.parse(cluster.joinTokens().worker()).checkRootCa(root);
        JoinToken.parse(cluster.joinTokens().manager()).checkRootCa(root);
    }

    @Test
    void aJoiningNodeGetsTheRoleOfItsTokenAndAppearsInTheStore() {
        NodeCertificates worker = join(cluster.joinTokens().worker());
        assertEquals(NodeRole.WORKER, worker.identity().role());
        assertEquals(cluster.id(), worker.identity().clusterId());
        Node node = h.node(worker.identity().nodeId());
        assertEquals(NodeRole.WORKER, node.spec().role());

        NodeCertificates manager = join(cluster.joinTokens().manager());
        assertEquals(NodeRole.MANAGER, manager.identity().role());
        assertEquals(NodeRole.MANAGER, h.node(manager.identity().nodeId()).spec().role());
    }

    @Test
    void aWrongTokenGetsNoCertificateAndLeavesNoNode() {
        String forged = JoinToken.parse(cluster.joinTokens().worker()).rotate().value();
        var e = assertThrows(ApiException.class, () -> join(forged));
        assertEquals(400, e.status());
        assertEquals("A valid join token is necessary to join this cluster", e.getMessage());
        assertEquals(List.of(), h.store.view(r -> r.nodes()));
    }

    @Test
    void aRenewalGetsTheRoleTheStoreSays() {
        NodeCertificates worker = join(cluster.joinTokens().worker());
        assertEquals(worker.identity(), renew(worker).identity());

        Node n = h.node(worker.identity().nodeId());
        var s = n.spec();
        h.update(n.withSpec(new Node.Spec(s.name(), s.labels(), NodeRole.MANAGER, s.availability())));
        assertEquals(NodeRole.MANAGER, renew(worker).identity().role());
    }

    @Test
    void aRemovedNodeIsRefusedOnTheClusterPort() {
        NodeCertificates worker = join(cluster.joinTokens().worker());
        String id = worker.identity().nodeId();
        h.removeNode(id);
        var e = assertThrows(io.shoal.api.dispatcher.DispatcherProtocol.NodeRemovedException.class, () -> renew(worker));
        assertTrue(e.getMessage().contains("node " + id + " may not call the managers: node " + id + " was removed from the swarm"),
                e.getMessage());
    }

    @Test
    void aManagerThatDoesNotLeadOnlyRefusesAnUnknownNodeForNow() {
        NodeCertificates worker = join(cluster.joinTokens().worker());
        h.removeNode(worker.identity().nodeId());
        leads = false;
        var e = assertThrows(ApiException.class, () -> renew(worker));
        assertEquals(503, e.status(), "another manager is asked; the node does not take itself for removed");
        assertTrue(e.getMessage().contains("does not lead"), e.getMessage());
    }

    @Test
    void theCaItselfRefusesToRenewARemovedNode() {
        var e = assertThrows(PkiException.class,
                () -> ca.renew(new NodeIdentity("gone", NodeRole.WORKER, cluster.id()), NodeCertificates.Request.generate().csrPem()));
        assertEquals(PkiException.Kind.DENIED, e.kind());
        assertEquals("node gone was removed from the swarm", e.getMessage());
    }

    @Test
    void aManagerWithoutTheSwarmsCaCannotSign() throws Exception {
        try (var empty = new Harness()) {
            var e = assertThrows(ApiException.class, new ClusterCa(empty.store, () -> true)::rootCaPem);
            assertEquals(503, e.status());
            assertEquals("this manager has no swarm CA", e.getMessage());
        }
    }
}
