package io.shoal.rpc;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;

/** Handshakes with the Raft transport's managers: only managers of the same swarm get through, in both directions. */
class RaftTlsTest {
    private final TestPki swarm = new TestPki("swarm1");
    private final TlsMaterial leader = swarm.node("leader", NodeIdentity.MANAGER_OU);

    private static SSLContext context(TlsMaterial m) throws Exception {
        SSLContext c = SSLContext.getInstance("TLS");
        c.init(new KeyManager[] {RaftTls.keyManager(() -> m)}, new TrustManager[] {RaftTls.trustManager(() -> m)}, null);
        return c;
    }

    /** Connects {@code client} to a server holding {@code server}'s material; throws when either side refuses. */
    private static void handshake(TlsMaterial server, TlsMaterial client) throws Exception {
        try (SSLServerSocket listener = (SSLServerSocket) context(server).getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setNeedClientAuth(true);
            CompletableFuture<Void> accepted = CompletableFuture.runAsync(() -> {
                try (SSLSocket s = (SSLSocket) listener.accept()) {
                    s.startHandshake();
                    s.getOutputStream().write(1);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (SSLSocket s = (SSLSocket) context(client).getSocketFactory()
                    .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
                s.startHandshake();
                if (s.getInputStream().read() != 1) throw new IOException("the server closed the connection");
            }
            accepted.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void managersOfTheSameSwarmTalk() {
        assertDoesNotThrow(() -> handshake(leader, swarm.node("follower", NodeIdentity.MANAGER_OU)));
    }

    @Test
    void aWorkerIsRefusedEitherWay() {
        TlsMaterial worker = swarm.node("worker", NodeIdentity.WORKER_OU);
        assertThrows(Exception.class, () -> handshake(leader, worker));
        assertThrows(Exception.class, () -> handshake(worker, leader));
    }

    @Test
    void aManagerOfAnotherSwarmIsRefused() {
        TlsMaterial stranger = new TestPki("swarm2").node("stranger", NodeIdentity.MANAGER_OU);
        assertThrows(Exception.class, () -> handshake(leader, stranger));
    }

    @Test
    void aManagerWithoutACertificateYetTakesPartInNoHandshake() {
        assertThrows(Exception.class, () -> handshake(leader, null));
    }
}
