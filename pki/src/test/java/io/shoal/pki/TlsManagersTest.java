package io.shoal.pki;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;

/**
 * Real handshakes with the managers every node-to-node connection uses, here as the Raft transport
 * uses them: both ends present their certificate and accept only managers of their own swarm and
 * cluster.
 */
class TlsManagersTest {
    private final TestSwarm swarm = new TestSwarm("cluster1");
    private final TlsMaterial leader = swarm.node("leader", NodeRole.MANAGER);

    static SSLContext managersOnly(TlsSource m) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(new KeyManager[] {TlsManagers.keyManager(m)}, new TrustManager[] {TlsManagers.trustManager(m, NodeRole.MANAGER)}, null);
        return c;
    }

    /** Presents {@code m}'s certificate, accepts any node of the roots it trusts: the other end alone decides. */
    private static SSLContext acceptingAny(TlsMaterial m) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(new KeyManager[] {TlsManagers.keyManager(m)}, new TrustManager[] {TlsManagers.trustManager(m.trustRoots())}, null);
        return c;
    }

    /** Connects {@code client} to a server holding {@code server}'s material; throws when either side refuses. */
    private static void handshake(TlsMaterial server, TlsMaterial client) throws Exception {
        handshake(managersOnly(server), managersOnly(client));
    }

    static void handshake(SSLContext server, SSLContext client) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.startHandshake();
                    s.getOutputStream().write(1);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            try (SSLSocket s = (SSLSocket) client.getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                s.startHandshake();
                if (s.getInputStream().read() != 1) throw new IOException("the server closed the connection");
            }
            accepted.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void managersOfTheSameSwarmTalk() {
        assertDoesNotThrow(() -> handshake(leader, swarm.node("follower", NodeRole.MANAGER)));
    }

    @Test
    void aWorkerIsRefusedEitherWay() throws Exception {
        TlsMaterial worker = swarm.node("worker", NodeRole.WORKER);
        assertThrows(Exception.class, () -> handshake(managersOnly(leader), acceptingAny(worker)));
        assertThrows(Exception.class, () -> handshake(acceptingAny(worker), managersOnly(leader)));
        assertDoesNotThrow(() -> handshake(acceptingAny(leader), acceptingAny(worker)));
    }

    @Test
    void aManagerOfAnotherSwarmIsRefused() {
        TlsMaterial stranger = new TestSwarm("cluster1").node("stranger", NodeRole.MANAGER);
        // it trusts our root as well, so only our side's check of its certificate can refuse it
        TlsMaterial trusting = new TlsMaterial(stranger.key(), stranger.certChain(), List.of(swarm.root.certificate()));
        assertThrows(Exception.class, () -> handshake(managersOnly(leader), acceptingAny(trusting)));
        assertThrows(Exception.class, () -> handshake(acceptingAny(trusting), managersOnly(leader)));
    }

    @Test
    void aManagerOfAnotherClusterUnderTheSameRootIsRefused() throws Exception {
        var otherCluster = new CertificateIssuer(swarm.root, "cluster2",
                () -> new CertificateIssuer.Policy(swarm.tokens, null), () -> "x", Clock.systemUTC());
        TlsMaterial stranger = otherCluster.nodeCertificates("stranger", NodeRole.MANAGER, List.of()).tls();
        assertThrows(Exception.class, () -> handshake(managersOnly(leader), acceptingAny(stranger)));
        assertThrows(Exception.class, () -> handshake(acceptingAny(stranger), managersOnly(leader)));
        assertDoesNotThrow(() -> handshake(acceptingAny(leader), acceptingAny(stranger)));
    }

    @Test
    void theKeyManagerPresentsTheRenewedCertificateAndNeverPairsItWithTheOldKey() {
        TlsMaterial first = swarm.node("node-a", NodeRole.WORKER);
        MutableTls tls = new MutableTls(first);
        var keys = TlsManagers.keyManager(tls);
        String before = keys.chooseEngineClientAlias(new String[] {"EC"}, null, null);
        assertEquals(first.certChain().getFirst(), keys.getCertificateChain(before)[0]);

        TlsMaterial renewed = swarm.node("node-a", NodeRole.WORKER);
        tls.update(renewed);
        String after = keys.chooseEngineClientAlias(new String[] {"EC"}, null, null);
        assertEquals(renewed.certChain().getFirst(), keys.getCertificateChain(after)[0]);
        assertEquals(renewed.key(), keys.getPrivateKey(after));
        assertNull(keys.getPrivateKey(before), "a handshake that began with the old certificate gets no key");
    }
}
