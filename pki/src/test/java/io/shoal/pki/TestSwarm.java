package io.shoal.pki;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A swarm's CA for tests: a new root, its join tokens, and node certificates of any id and role
 * signed the way the managers sign them. Two instances are two swarms, even with the same cluster id.
 */
public final class TestSwarm {
    public final String clusterId;
    public final RootCa root = RootCa.create();
    public final ClusterJoinTokens tokens = ClusterJoinTokens.generate(root);
    public final CertificateIssuer issuer;
    private final AtomicInteger joined = new AtomicInteger();

    public TestSwarm(String clusterId) {
        this.clusterId = clusterId;
        this.issuer = new CertificateIssuer(root, clusterId, () -> new CertificateIssuer.Policy(tokens, null),
                () -> "node-joined-" + joined.incrementAndGet(), Clock.systemUTC());
    }

    /** A node's certificates, key included. */
    public NodeCertificates certificates(String nodeId, NodeRole role) {
        return issuer.nodeCertificates(nodeId, role, List.of());
    }

    /** A node's TLS material, trusting this swarm's root. */
    public TlsMaterial node(String nodeId, NodeRole role) {
        return certificates(nodeId, role).tls();
    }
}
