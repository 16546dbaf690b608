package io.shoal.manager.ca;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Ids;
import io.shoal.api.Node;
import io.shoal.api.SwarmSpec;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.api.NodeAvailability;
import io.shoal.api.NodeState;
import io.shoal.api.Version;
import io.shoal.pki.CertificateAuthority;
import io.shoal.pki.CertificateIssuer;
import io.shoal.pki.ClusterJoinTokens;
import io.shoal.pki.IssuedCertificate;
import io.shoal.pki.JoinToken;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.pki.Pem;
import io.shoal.pki.PkiException;
import io.shoal.pki.RootCa;
import io.shoal.store.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The swarm's certificate authority as a manager runs it: the root CA and join tokens come from
 * the cluster object in the store (so any manager that leads can sign), a node that joins is
 * registered in the store as it gets its certificate, and a node the store no longer knows is
 * refused.
 */
public final class ClusterCa implements CertificateAuthority {
    private final Store store;
    private final BooleanSupplier leads;

    /** @param leads whether this manager leads: only the leader's copy of the store says a node is gone for good */
    public ClusterCa(Store store, BooleanSupplier leads) {
        this.store = store;
        this.leads = leads;
    }

    /**
     * The root CA and tokens a new swarm starts with. The spec's {@code ForceRotate} counts as
     * answered (a later update sending it back rotates nothing), and a signing key in it is not kept.
     */
    public static Cluster withNewRoot(Cluster cluster) {
        RootCa root = RootCa.create();
        ClusterJoinTokens tokens = ClusterJoinTokens.generate(root);
        SwarmSpec spec = cluster.spec();
        SwarmSpec.CaConfig ca = spec == null ? null : spec.caConfig();
        var rootCa = new Cluster.RootCa(root.certificatePem(), root.keyPem().orElseThrow(), ca == null ? 0 : ca.forceRotate(), null);
        if (ca != null) spec = spec.withCaConfig(ca.withSigningCAKey(null));
        return new Cluster(cluster.id(), cluster.version(), cluster.createdAt(), cluster.updatedAt(), spec,
                RootCaChange.shown(rootCa), false, cluster.dataPathPort(),
                cluster.defaultAddrPool(), cluster.subnetSize(),
                new Cluster.JoinTokens(tokens.worker().value(), tokens.manager().value()), rootCa, cluster.unlockKey());
    }

    private Cluster cluster() {
        Cluster c = store.view(r -> r.cluster());
        if (c == null || c.rootCa() == null) throw ApiException.unavailable("this manager has no swarm CA");
        return c;
    }

    /** Signs with the root's key, or during a rotation with the next root's, the cross-signed intermediate sent along. */
    private static CertificateIssuer issuer(Cluster c) {
        RootCa root = RootCa.fromPem(c.rootCa().certPem(), c.rootCa().keyPem());
        Cluster.RootRotation rotation = c.rootCa().rotation();
        CertificateIssuer.Signer signer = rotation == null ? CertificateIssuer.Signer.of(root)
                : CertificateIssuer.Signer.rotating(root, RootCa.fromPem(rotation.caCertPem(), rotation.caKeyPem()),
                        Pem.parseCertificate("cross-signed root CA", rotation.crossSignedCaCertPem()));
        var policy = new CertificateIssuer.Policy(
                new ClusterJoinTokens(JoinToken.parse(c.joinTokens().worker()), JoinToken.parse(c.joinTokens().manager())),
                c.spec().caConfig() == null || c.spec().caConfig().nodeCertExpiry() == null ? null
                        : Duration.ofNanos(c.spec().caConfig().nodeCertExpiry()));
        return new CertificateIssuer(signer, c.id(), () -> policy, Ids::newId, Clock.systemUTC());
    }

    @Override
    public String rootCaPem() {
        return cluster().rootCa().certPem();
    }

    @Override
    public IssuedCertificate issue(String csrPem, String joinToken, NodeRole requestedRole) {
        IssuedCertificate issued = issuer(cluster()).issue(csrPem, joinToken, requestedRole, List.of());
        NodeIdentity id = issued.identity();
        // The node appears in `docker node ls` at once; its agent fills in the description when it registers.
        store.update(tx -> {
            tx.create(new Node(id.nodeId(), Version.NONE, null, null,
                    new Node.Spec(null, null, id.role(), NodeAvailability.ACTIVE), null,
                    new Node.Status(NodeState.UNKNOWN, null, null), null));
            return null;
        });
        return issued;
    }

    /**
     * A new certificate for the role the store says the node holds, not the one it called with:
     * that is how a promoted or demoted node gets its new role (swarmkit's CA does the same).
     */
    @Override
    public IssuedCertificate renew(NodeIdentity peer, String csrPem) {
        Cluster c = cluster();
        Node node = store.view(r -> r.node(peer.nodeId()));
        if (node == null) throw PkiException.denied("node %s was removed from the swarm", peer.nodeId());
        NodeRole role = node.certifiedRole();
        return issuer(c).issueFor(peer.nodeId(), role, csrPem, List.of());
    }

    /**
     * The first manager's certificate, signed by the new swarm's root before anything is stored:
     * the Raft transport is mutual TLS from the first write on.
     */
    public static NodeCertificates firstManager(Cluster c, String nodeId, List<String> addresses) {
        return issuer(c).nodeCertificates(nodeId, NodeRole.MANAGER, addresses);
    }

    /**
     * Refuses the certificates of removed nodes on the cluster port: they stay valid until they
     * expire, but their node is gone from the store. Node ids are never reused (every join gets a
     * new one), so a node the leader's store does not know is one that was removed (swarmkit keeps
     * an explicit list of removed ids for the same decision). Another manager may only be behind
     * (a node that just joined, a manager resumed without a quorum): it refuses for now (503), and
     * the node tries another manager rather than take itself for removed.
     */
    public void authorize(NodeIdentity peer) {
        if (store.view(r -> r.node(peer.nodeId())) != null) return;
        if (!leads.getAsBoolean()) {
            throw ApiException.unavailable("this manager does not know node %s: it does not lead, and may be behind",
                    peer.nodeId());
        }
        throw new DispatcherProtocol.NodeRemovedException(
                "node " + peer.nodeId() + " may not call the managers: node " + peer.nodeId() + " was removed from the swarm");
    }
}
