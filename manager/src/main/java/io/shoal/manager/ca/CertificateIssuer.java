package io.shoal.manager.ca;

import io.shoal.pki.NodeRole;
import io.shoal.api.ApiException;
import io.shoal.api.Ids;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The manager's side of {@code IssueNodeCertificate}, as pure logic over a {@link RootCa}: a node
 * with no certificate presents a join token and gets a new node id and the role its token grants; a
 * node with a certificate of ours renews it and keeps its id and role. Refusals are
 * {@link ApiException}s (400 for a bad token or CSR, 403 for a removed node or a foreign peer) and
 * are logged; tokens are never logged.
 *
 * <p>What the cluster decides (current tokens, certificate lifetime, removed nodes) is read from
 * {@code policy} at every call, so it follows the store.
 */
public final class CertificateIssuer {
    private static final Logger log = LoggerFactory.getLogger(CertificateIssuer.class);

    /**
     * The cluster's settings for issuing.
     *
     * @param nodeCertExpiry the cluster's {@code CAConfig.NodeCertExpiry}; null or zero means 90 days
     * @param removedNodes ids of nodes removed from the swarm, refused for ever
     */
    public record Policy(ClusterJoinTokens tokens, Duration nodeCertExpiry, Set<String> removedNodes) {
        public Policy {
            Objects.requireNonNull(tokens, "tokens");
            removedNodes = removedNodes == null ? Set.of() : Set.copyOf(removedNodes);
        }
    }

    /** What the node gets back: its identity, its certificate chain (leaf first) and the root to trust. */
    public record Issued(NodeIdentity identity, List<X509Certificate> chain, String certificateChainPem, String rootCaPem) {
        public Issued {
            chain = List.copyOf(chain);
        }

        public String nodeId() {
            return identity.nodeId();
        }

        public NodeRole role() {
            return identity.role();
        }
    }

    private final RootCa root;
    private final String clusterId;
    private final Supplier<Policy> policy;
    private final Supplier<String> newNodeId;
    private final Clock clock;

    public CertificateIssuer(RootCa root, String clusterId, Supplier<Policy> policy) {
        this(root, clusterId, policy, Ids::newId, Clock.systemUTC());
    }

    public CertificateIssuer(RootCa root, String clusterId, Supplier<Policy> policy, Supplier<String> newNodeId, Clock clock) {
        this.root = Objects.requireNonNull(root, "root");
        if (!root.canSign()) throw new IllegalArgumentException("the issuer needs a root CA with its key");
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
    public Issued issue(String csrPem, String token, NodeRole requestedRole, List<String> addresses) {
        Policy p = policy.get();
        NodeRole granted;
        try {
            granted = p.tokens().roleFor(token);
        } catch (ApiException e) {
            throw refused(e);
        }
        if (requestedRole == NodeRole.MANAGER && granted == NodeRole.WORKER) {
            throw refused(ApiException.invalid("a worker join token cannot be used to join as a manager"));
        }
        NodeRole role = requestedRole == null ? granted : requestedRole;
        String nodeId = newNodeId.get();
        for (int i = 0; p.removedNodes().contains(nodeId) && i < 3; i++) nodeId = newNodeId.get();
        return sign(csrPem, new NodeIdentity(nodeId, role, clusterId), p, addresses);
    }

    /**
     * A renewed certificate for an authenticated peer (its chain from the TLS session, leaf first):
     * same node id, same role. A removed node, another cluster's node or a certificate that is not
     * ours is refused.
     */
    public Issued renew(X509Certificate[] peerChain, String csrPem, List<String> addresses) {
        Policy p = policy.get();
        var authenticator = new PeerAuthenticator(root.certificate(), clusterId, p.removedNodes()::contains, clock);
        NodeIdentity id = authenticator.authenticate(peerChain);
        return sign(csrPem, id, p, addresses);
    }

    /**
     * A certificate for a node id and role the caller vouches for: the first manager at
     * {@code docker swarm init}, or a node whose role changed (promote/demote). Not for requests
     * from the network.
     */
    public Issued issueFor(String nodeId, NodeRole role, String csrPem, List<String> addresses) {
        Policy p = policy.get();
        if (p.removedNodes().contains(nodeId)) throw refused(removed(nodeId));
        return sign(csrPem, new NodeIdentity(nodeId, role, clusterId), p, addresses);
    }

    private Issued sign(String csrPem, NodeIdentity id, Policy p, List<String> addresses) {
        if (p.removedNodes().contains(id.nodeId())) throw refused(removed(id.nodeId()));
        X509Certificate cert;
        try {
            cert = root.sign(csrPem, id, p.nodeCertExpiry(), addresses, clock.instant());
        } catch (ApiException e) {
            throw refused(e);
        }
        log.info("issued a {} certificate to node {}, valid until {}", id.role().apiName(), id.nodeId(), cert.getNotAfter().toInstant());
        List<X509Certificate> chain = List.of(cert);
        return new Issued(id, chain, Pem.certificates(chain), root.certificatePem());
    }

    private static ApiException removed(String nodeId) {
        return new ApiException(403, "Permission denied: node %s was removed from the swarm".formatted(nodeId));
    }

    private static ApiException refused(ApiException e) {
        log.warn("refused a certificate request: {}", e.getMessage());
        return e;
    }
}
