package io.shoal.manager.ca;

import static io.shoal.manager.orchestrator.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Node;
import io.shoal.api.SwarmSpec;
import io.shoal.manager.orchestrator.Harness;
import io.shoal.pki.IssuerInfo;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.pki.Pem;
import io.shoal.pki.RootCa;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A root rotation as the managers run it: started by a swarm update, signed through, ended by the reconciler. */
class RootRotationTest {
    private final Harness h = new Harness();

    @AfterEach
    void stop() throws Exception {
        h.close();
    }

    private Cluster cluster() {
        return h.store.view(r -> r.cluster());
    }

    private void update(SwarmSpec.CaConfig ca) {
        Cluster c = cluster();
        h.api.swarm().update(c.version().index(), c.spec().withCaConfig(ca), false, false, false);
    }

    private static SwarmSpec.CaConfig forceRotate(long n) {
        return new SwarmSpec.CaConfig(null, null, null, null, n);
    }

    private static SwarmSpec.CaConfig signing(RootCa root, boolean withKey) {
        return new SwarmSpec.CaConfig(null, null, root.certificatePem(), withKey ? root.keyPem().orElseThrow() : null, 0);
    }

    @Test
    void forceRotateStartsARotationThatTheReconcilerEndsOnceEveryNodeReportsTheNewIssuer() {
        h.update(ClusterCa.withNewRoot(h.createCluster(null)));
        Cluster before = cluster();
        h.addNode(Harness.newNode("n1"));
        h.addNode(Harness.newNode("n2"));
        h.start(new RootRotationReconciler(h.store, h.clock, h.ticker));

        update(forceRotate(1));
        Cluster rotating = cluster();
        Cluster.RootRotation rotation = rotating.rootCa().rotation();
        assertNotNull(rotation);
        assertTrue(rotating.rootRotationInProgress());
        assertEquals(before.rootCa().certPem(), rotating.tlsInfo().trustRoot(), "the old root stays the swarm's meanwhile");
        IssuerInfo next = IssuerInfo.of(Pem.parseCertificate("next", rotation.caCertPem()));
        assertEquals(next, rotating.tlsInfo().issuer());
        assertEquals(before.rootCa().certPem() + rotation.caCertPem(), RootCaChange.forNodes(rotating).trustRoot());
        assertNull(cluster().spec().caConfig().signingCAKey());

        // The CA signs with the next key, sends the intermediate, hands out both roots.
        var request = NodeCertificates.Request.generate();
        var issued = new ClusterCa(h.store, () -> true).renew(new NodeIdentity("n1", NodeRole.WORKER, rotating.id()), request.csrPem());
        NodeCertificates n1 = NodeCertificates.of(request, issued);
        assertEquals(2, issued.chain().size());
        assertEquals(2, issued.roots().size());
        assertEquals(next, n1.issuer());

        report("n1", n1);
        assertNotNull(cluster().rootCa().rotation(), "n2 is still on the old root");
        report("n2", n1);
        Cluster done = await("the rotation's end", this::cluster, c -> c.rootCa().rotation() == null);
        assertEquals(rotation.caCertPem(), done.rootCa().certPem());
        assertEquals(rotation.caCertPem(), done.tlsInfo().trustRoot());
        assertEquals(1, done.rootCa().lastForcedRotation());
        assertNotEquals(before.joinTokens().worker().split("-")[2], done.joinTokens().worker().split("-")[2]);
        assertNull(cluster().withoutSecrets().rootCa());
    }

    @Test
    void theOperatorsRootIsTakenAndBadOnesAreRefused() {
        h.update(ClusterCa.withNewRoot(h.createCluster(null)));
        Cluster before = cluster();
        RootCa current = RootCa.fromPem(before.rootCa().certPem(), before.rootCa().keyPem());
        RootCa given = RootCa.create();

        var keyOnly = new SwarmSpec.CaConfig(null, null, null, given.keyPem().orElseThrow(), 0);
        assertEquals("if a signing CA key is provided, the signing CA cert must also be provided",
                assertThrows(ApiException.class, () -> update(keyOnly)).getMessage());
        assertTrue(assertThrows(ApiException.class, () -> update(signing(given, false))).getMessage().contains("external CA"));
        var external = new SwarmSpec.CaConfig(null, List.of(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()),
                null, null, 0);
        assertTrue(assertThrows(ApiException.class, () -> update(external)).getMessage().contains("external CAs are not supported"));

        update(signing(given, true));
        assertEquals(given.certificatePem(), cluster().rootCa().rotation().caCertPem());
        assertNull(cluster().spec().caConfig().signingCAKey(), "the key is kept in the root CA state only");
        // the spec as GET /swarm shows it comes back unchanged: nothing happens
        Cluster.RootCa same = cluster().rootCa();
        assertSame(same, RootCaChange.apply(same, cluster().withoutSecrets().spec().caConfig(), Instant.now()));
        // the current root again calls the rotation off
        update(signing(current, true));
        assertNull(cluster().rootCa().rotation());
        assertEquals(before.rootCa().certPem(), cluster().rootCa().certPem());
    }

    private void report(String nodeId, NodeCertificates certs) {
        Node n = h.node(nodeId);
        h.update(n.withDescription(n.description().withTlsInfo(new Node.TlsInfo(certs.trustRootsPem(), certs.issuer()))));
    }
}
