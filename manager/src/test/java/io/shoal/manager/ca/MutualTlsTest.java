package io.shoal.manager.ca;

import io.shoal.pki.NodeRole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.ApiException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real TLS 1.3 handshakes on loopback between node certificates of one swarm: the server requires a
 * client certificate, then asks {@link PeerAuthenticator} who the peer is. Each connection's
 * outcome is recorded on the server side, so the test asserts what the manager decided rather than
 * how the client happened to notice.
 */
class MutualTlsTest {
    private final RootCa root = RootCa.create();
    private final ClusterJoinTokens tokens = ClusterJoinTokens.generate(root);
    private final Set<String> removed = ConcurrentHashMap.newKeySet();
    private final CertificateIssuer issuer = new CertificateIssuer(root, "cluster1",
            () -> new CertificateIssuer.Policy(tokens, null, removed));
    private final LinkedBlockingQueue<String> outcomes = new LinkedBlockingQueue<>();
    private SSLServerSocket server;
    private Thread acceptor;

    @BeforeEach
    void startManager() throws IOException {
        NodeCertificates manager = join(tokens.manager().value());
        var authenticator = new PeerAuthenticator(root.certificate(), "cluster1", removed::contains);
        server = (SSLServerSocket) manager.sslContext().getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        acceptor = Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                    s.setSoTimeout(5000);
                    String outcome;
                    try {
                        s.startHandshake();
                        NodeIdentity peer = authenticator.authenticate(s.getSession());
                        outcome = "ok " + peer.nodeId() + " " + peer.role().apiName();
                    } catch (ApiException e) {
                        outcome = "refused " + e.getMessage();
                    } catch (IOException e) {
                        outcome = "tls " + e.getMessage();
                    }
                    outcomes.add(outcome);
                    if (outcome.startsWith("ok")) {
                        Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8);
                        w.write(outcome + "\n");
                        w.flush();
                    }
                } catch (IOException e) {
                    if (!server.isClosed()) outcomes.add("accept " + e.getMessage());
                }
            }
        });
    }

    @AfterEach
    void stopManager() throws Exception {
        server.close();
        acceptor.join(5000);
    }

    @Test
    void aNodeOfTheSwarmIsAcceptedAndKnownByItsCertificate() throws Exception {
        NodeCertificates worker = join(tokens.worker().value());
        String reply = talk(worker.sslContext());
        assertEquals("ok " + worker.identity().nodeId() + " worker", reply);
        assertEquals(reply, outcome());
    }

    @Test
    void aNodeOfAnotherSwarmIsRefusedByTheHandshake() throws Exception {
        RootCa otherRoot = RootCa.create();
        var otherIssuer = new CertificateIssuer(otherRoot, "cluster1",
                () -> new CertificateIssuer.Policy(ClusterJoinTokens.generate(otherRoot), null, Set.of()));
        var req = NodeCertificates.Request.generate();
        var issued = otherIssuer.issueFor("intruder", NodeRole.MANAGER, req.csrPem(), List.of());
        NodeCertificates intruder = NodeCertificates.of(req, issued.certificateChainPem(), issued.rootCaPem());
        // it trusts our root so that only the server's check is tested
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(intruder.keyManagerFactory().getKeyManagers(), trusting(root), new SecureRandom());

        assertEquals(null, talk(ctx));
        String outcome = outcome();
        assertTrue(outcome.startsWith("tls "), outcome);
    }

    @Test
    void aClientWithNoCertificateIsRefusedByTheHandshake() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLSv1.3");
        ctx.init(null, trusting(root), new SecureRandom());
        assertEquals(null, talk(ctx));
        String outcome = outcome();
        assertTrue(outcome.startsWith("tls "), outcome);
    }

    @Test
    void aRemovedNodeIsRefusedByTheIdentityCheck() throws Exception {
        NodeCertificates worker = join(tokens.worker().value());
        removed.add(worker.identity().nodeId());
        assertEquals(null, talk(worker.sslContext()));
        assertEquals("refused Permission denied: node " + worker.identity().nodeId() + " was removed from the swarm", outcome());
    }

    @Test
    void theClientRefusesAServerOfAnotherSwarm() throws Exception {
        // a node of another swarm calls our manager: its own trust root does not know our server
        RootCa otherRoot = RootCa.create();
        var req = NodeCertificates.Request.generate();
        var cert = otherRoot.sign(req.csrPem(), new NodeIdentity("x", NodeRole.WORKER, "other"), null, List.of());
        NodeCertificates stranger = NodeCertificates.of(req, Pem.certificate(cert), otherRoot.certificatePem());
        assertEquals(null, talk(stranger.sslContext()));
        String outcome = outcome();
        assertTrue(outcome.startsWith("tls "), outcome);
    }

    @Test
    void asTheHandshakesTrustManagerTheAuthenticatorRefusesARemovedNodeDuringTheHandshake() throws Exception {
        NodeCertificates manager = join(tokens.manager().value());
        NodeCertificates worker = join(tokens.worker().value());
        NodeCertificates gone = join(tokens.worker().value());
        removed.add(gone.identity().nodeId());
        var authenticator = new PeerAuthenticator(root.certificate(), "cluster1", removed::contains);
        SSLContext serverCtx = SSLContext.getInstance("TLSv1.3");
        serverCtx.init(manager.keyManagerFactory().getKeyManagers(),
                new javax.net.ssl.TrustManager[] {authenticator.trustManager()}, new SecureRandom());
        // the client accepts only a manager of this cluster as its server
        SSLContext workerCtx = SSLContext.getInstance("TLSv1.3");
        workerCtx.init(worker.keyManagerFactory().getKeyManagers(),
                new javax.net.ssl.TrustManager[] {authenticator.trustManager(NodeRole.MANAGER)}, new SecureRandom());

        try (var strict = (SSLServerSocket) serverCtx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            strict.setNeedClientAuth(true);
            var results = new LinkedBlockingQueue<String>();
            Thread t = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 2; i++) {
                    try (SSLSocket s = (SSLSocket) strict.accept()) {
                        s.setSoTimeout(5000);
                        try {
                            s.startHandshake();
                            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
                            s.getOutputStream().flush();
                            results.add("ok");
                        } catch (IOException e) {
                            results.add("tls " + e.getMessage());
                        }
                    } catch (IOException e) {
                        results.add("accept " + e.getMessage());
                    }
                }
            });
            assertEquals("hello", talk(workerCtx, strict));
            assertEquals("ok", results.poll(10, TimeUnit.SECONDS));
            assertEquals(null, talk(gone.sslContext(), strict));
            String refused = results.poll(10, TimeUnit.SECONDS);
            assertNotNull(refused);
            assertTrue(refused.startsWith("tls ") && refused.contains("was removed from the swarm"), refused);
            t.join(5000);
        }
    }

    private NodeCertificates join(String token) {
        var req = NodeCertificates.Request.generate();
        var issued = issuer.issue(req.csrPem(), token, null, List.of("127.0.0.1"));
        return NodeCertificates.of(req, issued.certificateChainPem(), issued.rootCaPem());
    }

    private static javax.net.ssl.TrustManager[] trusting(RootCa root) {
        var req = NodeCertificates.Request.generate();
        var cert = root.sign(req.csrPem(), new NodeIdentity("t", NodeRole.WORKER, "cluster1"), null, List.of());
        return NodeCertificates.of(req, Pem.certificate(cert), root.certificatePem()).trustManagerFactory().getTrustManagers();
    }

    /** The server's reply line, or null when the connection was refused at any point. */
    private String talk(SSLContext ctx) {
        return talk(ctx, server);
    }

    private static String talk(SSLContext ctx, SSLServerSocket server) {
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(server.getInetAddress(), server.getLocalPort())) {
            s.setSoTimeout(5000);
            s.startHandshake();
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            return null;
        }
    }

    private String outcome() throws InterruptedException {
        String o = outcomes.poll(10, TimeUnit.SECONDS);
        assertNotNull(o, "the server recorded no outcome");
        return o;
    }
}
