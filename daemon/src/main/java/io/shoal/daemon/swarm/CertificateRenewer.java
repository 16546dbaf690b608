package io.shoal.daemon.swarm;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.pki.MutableTls;
import io.shoal.pki.NodeCertificates;
import io.shoal.pki.NodeKeys;
import io.shoal.pki.NodeRole;
import io.shoal.rpc.CaClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews this node's certificate before it expires, as swarmkit's {@code TLSRenewer} does: at a
 * random point between 50% and 80% of its validity ({@link NodeCertificates#renewalTime}, chosen
 * once per certificate, so nodes that joined together do not renew together) it sends a CSR for a
 * new key to the CA service of a manager, over mutual TLS with the certificate it has; the new
 * certificate is written over the node's files and swapped into the {@link MutableTls} that the
 * node's cluster-port server and channels read at each handshake, so nothing restarts. The
 * lifetime is whatever the cluster's {@code CAConfig.NodeCertExpiry} says when the CA signs. A
 * failed attempt is retried with backoff, through each manager in turn.
 *
 * <p>It decides when the node's certificate changes; {@link NodeKeys} writes it.
 */
final class CertificateRenewer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificateRenewer.class);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofMinutes(1);

    private final NodeKeys keys;
    private final MutableTls tls;
    private final Supplier<List<String>> managers;
    private final Clock clock;
    private final Thread thread;
    private volatile NodeCertificates current;

    /**
     * @param keys where the node's certificate is written (sealed on a locked node)
     * @param managers cluster addresses of managers whose CA may be asked, best first
     */
    CertificateRenewer(NodeKeys keys, NodeCertificates certs, MutableTls tls, Supplier<List<String>> managers, Clock clock) {
        this.keys = keys;
        this.current = certs;
        this.tls = tls;
        this.managers = managers;
        this.clock = clock;
        this.thread = Thread.ofVirtual().name("certificate-renewer").start(this::run);
    }

    private void run() {
        try {
            while (true) {
                NodeCertificates certs = current;
                Instant at = certs.renewalTime(ThreadLocalRandom.current());
                log.info("node certificate valid until {}; renewing it at {}", certs.notAfter(), at);
                // a certificate renewed meanwhile (a role change, a root rotation) has a renewal time of its own
                if (!sleepUntil(at, certs)) continue;
                Duration retry = FIRST_RETRY;
                while (!renewOnce()) {
                    if (current.isExpired(clock.instant())) {
                        log.warn("the node certificate expired at {}: the managers will refuse it until the node joins again",
                                current.notAfter());
                    }
                    Thread.sleep(retry);
                    retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
                }
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Waits until {@code at}; false if {@code certs} was replaced meanwhile. */
    private synchronized boolean sleepUntil(Instant at, NodeCertificates certs) throws InterruptedException {
        for (long millis; current == certs && (millis = Duration.between(clock.instant(), at).toMillis()) > 0; ) {
            wait(millis);
        }
        return current == certs;
    }

    /** The node's certificate as its description reports it to the managers. */
    Node.TlsInfo tlsInfo() {
        NodeCertificates certs = current;
        return new Node.TlsInfo(certs.trustRootsPem(), certs.issuer());
    }

    /**
     * Renews at once when the certificate is not the one the managers want every node to hold (a
     * root rotation: another issuer, other roots to trust); true when it renewed. A failure is
     * tried again at the next heartbeat, which says it again.
     */
    synchronized boolean follow(Node.TlsInfo wanted) {
        if (tlsInfo().equals(wanted)) return false;
        log.info("the swarm's root CA is changing: renewing the node certificate now");
        return renew(renewed -> true) != null;
    }

    /** One attempt through each manager in turn; true once a new certificate is in use. */
    private boolean renewOnce() {
        return renew(renewed -> true) != null;
    }

    /**
     * A certificate for {@code role}, as the managers certify the node after a promotion or a
     * demotion: the one in use if it says so, else a new one from the first manager that issues
     * that role (one that has not seen the change yet issues the old one, which is not taken).
     */
    synchronized NodeCertificates renewFor(NodeRole role) {
        if (current.identity().role() == role) return current;
        NodeCertificates renewed = renew(c -> c.identity().role() == role);
        if (renewed == null) throw ApiException.unavailable("no manager issued a %s certificate", role.apiName());
        return renewed;
    }

    /** Through each manager in turn, the first new certificate {@code accept} takes, now in use; null if none. */
    private synchronized NodeCertificates renew(Predicate<NodeCertificates> accept) {
        NodeCertificates.Request request = NodeCertificates.Request.generate();
        for (String manager : managers.get()) {
            try (CaClient ca = CaClient.authenticated(manager, tls)) {
                NodeCertificates renewed = NodeCertificates.of(request, ca.renew(request.csrPem()));
                if (!accept.test(renewed)) continue;
                keys.save(renewed);
                tls.update(renewed.tls());
                current = renewed;
                notifyAll();
                log.info("renewed the node certificate through {}: {}, valid until {}", manager,
                        renewed.identity().role().apiName(), renewed.notAfter());
                return renewed;
            } catch (RuntimeException | IOException e) {
                log.warn("renewing the node certificate through {} failed: {}", manager, e.getMessage());
            }
        }
        return null;
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
