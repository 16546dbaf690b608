package io.shoal.manager.ca;

import io.shoal.pki.NodeRole;
import io.shoal.api.ApiException;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who is at the other end of a mutual-TLS connection, and may they be: the peer's chain must lead
 * to our root (PKIX path validation, at the current time), its O must be our cluster, and its node
 * id must not be one of the removed nodes. Refusals are {@link ApiException} 403 and are logged.
 *
 * <p>The TLS handshake already refuses peers with no certificate or one from another CA; checking
 * again here keeps the decision in one place for code that only sees the session.
 */
public final class PeerAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(PeerAuthenticator.class);

    private final X509Certificate root;
    private final String clusterId;
    private final Predicate<String> removed;
    private final Clock clock;

    /**
     * @param removed whether a node id was removed from the swarm; read at every call, so it can
     *     follow the store
     */
    public PeerAuthenticator(X509Certificate root, String clusterId, Predicate<String> removed) {
        this(root, clusterId, removed, Clock.systemUTC());
    }

    public PeerAuthenticator(X509Certificate root, String clusterId, Predicate<String> removed, Clock clock) {
        this.root = Objects.requireNonNull(root, "root");
        this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
        this.removed = Objects.requireNonNull(removed, "removed");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public NodeIdentity authenticate(SSLSession session, NodeRole... allowed) {
        X509Certificate[] chain;
        try {
            chain = Arrays.stream(session.getPeerCertificates())
                    .map(c -> c instanceof X509Certificate x ? x : null)
                    .toArray(X509Certificate[]::new);
        } catch (SSLPeerUnverifiedException e) {
            throw refuse("peer presented no certificate");
        }
        return authenticate(chain, allowed);
    }

    /** The peer's identity if its chain is ours and it may act in one of {@code allowed} (any role when none). */
    public NodeIdentity authenticate(X509Certificate[] chain, NodeRole... allowed) {
        if (chain == null || chain.length == 0 || Arrays.asList(chain).contains(null)) {
            throw refuse("peer presented no certificate");
        }
        try {
            verifyChain(chain, root, clock.instant());
        } catch (GeneralSecurityException e) {
            throw refuse("peer certificate %s was not issued by this swarm's CA: %s",
                    chain[0].getSubjectX500Principal(), e.getMessage());
        }
        NodeIdentity id;
        try {
            id = NodeIdentity.of(chain[0]);
        } catch (ApiException e) {
            throw refuse("peer certificate is not a node certificate: %s", e.getMessage());
        }
        if (!id.clusterId().equals(clusterId)) {
            throw refuse("node %s belongs to cluster %s, not this one", id.nodeId(), id.clusterId());
        }
        if (removed.test(id.nodeId())) {
            throw refuse("node %s was removed from the swarm", id.nodeId());
        }
        if (allowed.length > 0 && !Set.of(allowed).contains(id.role())) {
            throw refuse("node %s is a %s: not allowed here", id.nodeId(), id.role().apiName());
        }
        return id;
    }

    /**
     * The same decision made during the handshake, for a TLS stack that takes a trust manager
     * (the JDK's {@code SSLContext}, gRPC netty's {@code trustManager(...)}): a peer of another
     * swarm, of another cluster, removed, or not in {@code allowed} fails the handshake itself.
     * Used on a client, it checks the server the same way (say, that it is a manager).
     */
    public X509TrustManager trustManager(NodeRole... allowed) {
        return new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                check(chain);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[] {root};
            }

            private void check(X509Certificate[] chain) throws CertificateException {
                try {
                    authenticate(chain, allowed);
                } catch (ApiException e) {
                    throw new CertificateException(e.getMessage());
                }
            }
        };
    }

    /**
     * PKIX validation of {@code chain} (leaf first, the root itself may be included or not)
     * against {@code root} as the only trust anchor, at {@code at}; no revocation lists.
     */
    public static void verifyChain(X509Certificate[] chain, X509Certificate root, Instant at) throws GeneralSecurityException {
        List<X509Certificate> path = Arrays.stream(chain).filter(c -> !c.equals(root)).toList();
        if (path.isEmpty()) throw new GeneralSecurityException("the chain holds only the root");
        var params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
        params.setRevocationEnabled(false);
        params.setDate(Date.from(at));
        CertPathValidator.getInstance("PKIX")
                .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), params);
    }

    private static ApiException refuse(String format, Object... args) {
        String message = "Permission denied: " + format.formatted(args);
        log.warn("refused peer: {}", message);
        return new ApiException(403, message);
    }
}
