package io.shoal.pki;

import java.lang.System.Logger.Level;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The manager's side of {@code IssueNodeCertificate}, as pure logic over a {@link RootCa}: a node
 * with no certificate presents a join token and gets a new node id and the role its token grants;
 * a node the caller vouches for (the first manager, a renewal, a role change) gets a certificate
 * for the id and role given. Refusals are {@link PkiException}s and are logged; tokens are never
 * logged.
 *
 * <p>What the cluster decides (current tokens, certificate lifetime) is read from {@code policy}
 * at every call, so it follows the store.
 */
public final class CertificateIssuer {
    private static final System.Logger log = System.getLogger(CertificateIssuer.class.getName());

    /**
     * The cluster's settings for issuing.
     *
     * @param nodeCertExpiry the cluster's {@code CAConfig.NodeCertExpiry}; null or zero means 90 days
     */
    public record Policy(ClusterJoinTokens tokens, Duration nodeCertExpiry) {
        public Policy {
            Objects.requireNonNull(tokens, "tokens");
        }
    }

    /**
     * What signs and what the nodes are to trust: the root's key alone, or during a root rotation
     * the next root's key with the cross-signed intermediate sent along, and both roots trusted.
     */
    public record Signer(RootCa key, List<X509Certificate> intermediates, List<X509Certificate> roots) {
        public Signer {
            if (!key.canSign()) throw new IllegalArgumentException("the issuer needs a root CA with its key");
            intermediates = List.copyOf(intermediates);
            roots = List.copyOf(roots);
        }

        public static Signer of(RootCa root) {
            return new Signer(root, List.of(), List.of(root.certificate()));
        }

        /** During a rotation from {@code old} to {@code next}, whose certificate {@code crossSigned} is {@code old}'s signature of. */
        public static Signer rotating(RootCa old, RootCa next, X509Certificate crossSigned) {
            return new Signer(next, List.of(crossSigned), List.of(old.certificate(), next.certificate()));
        }
    }

    private final Signer signer;
    private final String clusterId;
    private final Supplier<Policy> policy;
    private final Supplier<String> newNodeId;
    private final Clock clock;

    /** @param newNodeId the id of each node that joins; never one used before */
    public CertificateIssuer(RootCa root, String clusterId, Supplier<Policy> policy, Supplier<String> newNodeId, Clock clock) {
        this(Signer.of(root), clusterId, policy, newNodeId, clock);
    }

    public CertificateIssuer(Signer signer, String clusterId, Supplier<Policy> policy, Supplier<String> newNodeId, Clock clock) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.newNodeId = Objects.requireNonNull(newNodeId, "newNodeId");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A first certificate for a joining node. The token decides the role: a worker token gives a
     * worker certificate, a manager token a manager certificate. {@code requestedRole} (null: the
     * token's role) may ask for less than the token grants, never more: a worker token asking for
     * a manager certificate is refused. The node gets a new id.
     *
     * @param addresses the joining node's addresses, written as SANs into a manager's certificate
     */
    public IssuedCertificate issue(String csrPem, String token, NodeRole requestedRole, List<String> addresses) {
        Policy p = policy.get();
        NodeRole granted;
        try {
            granted = p.tokens().roleFor(token);
        } catch (PkiException e) {
            throw refused(e);
        }
        if (requestedRole == NodeRole.MANAGER && granted == NodeRole.WORKER) {
            throw refused(PkiException.invalid("a worker join token cannot be used to join as a manager"));
        }
        NodeRole role = requestedRole == null ? granted : requestedRole;
        return sign(csrPem, new NodeIdentity(newNodeId.get(), role, clusterId), p, addresses);
    }

    /**
     * A certificate for a node id and role the caller vouches for: the first manager at
     * {@code docker swarm init}, a renewal, or a node whose role changed (promote/demote). Not
     * for requests from the network as they come.
     */
    public IssuedCertificate issueFor(String nodeId, NodeRole role, String csrPem, List<String> addresses) {
        return sign(csrPem, new NodeIdentity(nodeId, role, clusterId), policy.get(), addresses);
    }

    /**
     * A node's certificates made where its CA is, key included: the first manager's at
     * {@code docker swarm init}, signed by the new swarm's root before anything is stored.
     */
    public NodeCertificates nodeCertificates(String nodeId, NodeRole role, List<String> addresses) {
        NodeCertificates.Request request = NodeCertificates.Request.generate();
        return NodeCertificates.of(request, issueFor(nodeId, role, request.csrPem(), addresses));
    }

    private IssuedCertificate sign(String csrPem, NodeIdentity id, Policy p, List<String> addresses) {
        X509Certificate cert;
        try {
            cert = signer.key().sign(csrPem, id, p.nodeCertExpiry(), addresses, clock.instant());
        } catch (PkiException e) {
            throw refused(e);
        }
        log.log(Level.INFO, "issued a {0} certificate to node {1}, valid until {2}",
                id.role().apiName(), id.nodeId(), cert.getNotAfter().toInstant());
        List<X509Certificate> chain = new ArrayList<>(List.of(cert));
        chain.addAll(signer.intermediates());
        return new IssuedCertificate(chain, signer.roots());
    }

    private static PkiException refused(PkiException e) {
        log.log(Level.WARNING, "refused a certificate request: {0}", e.getMessage());
        return e;
    }
}
