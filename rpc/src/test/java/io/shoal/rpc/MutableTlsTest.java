package io.shoal.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** A renewed certificate is used from the next handshake on, by a server that keeps running. */
class MutableTlsTest {
    private final TestPki pki = new TestPki("swarm-1");

    @Test
    void theServerPresentsTheRenewedCertificateWithoutARestart() throws Exception {
        TlsMaterial first = pki.node("manager-1", NodeIdentity.MANAGER_OU);
        MutableTls tls = new MutableTls(first);
        try (RpcServer server = RpcServer.builder(new InetSocketAddress("127.0.0.1", 0), tls)
                .dispatcher(new FakeDispatcher(List.of())).start()) {
            assertEquals(first.certChain().getFirst(), presented(server.port()));
            TlsMaterial renewed = pki.node("manager-1", NodeIdentity.MANAGER_OU);
            tls.update(renewed);
            assertEquals(renewed.certChain().getFirst(), presented(server.port()));
        }
    }

    @Test
    void aClientPresentsTheRenewedCertificateAndNeverPairsItWithTheOldKey() {
        TlsMaterial first = pki.node("node-a", NodeIdentity.WORKER_OU);
        MutableTls tls = new MutableTls(first);
        var keys = TlsManagers.keyManager(tls);
        String before = keys.chooseEngineClientAlias(new String[] {"EC"}, null, null);
        assertEquals(first.certChain().getFirst(), keys.getCertificateChain(before)[0]);

        TlsMaterial renewed = pki.node("node-a", NodeIdentity.WORKER_OU);
        tls.update(renewed);
        String after = keys.chooseEngineClientAlias(new String[] {"EC"}, null, null);
        assertEquals(renewed.certChain().getFirst(), keys.getCertificateChain(after)[0]);
        assertEquals(renewed.key(), keys.getPrivateKey(after));
        assertNull(keys.getPrivateKey(before), "a handshake that began with the old certificate gets no key");
    }

    @Test
    void renewalKeepsTheNodeAndItsTrustRoots() {
        MutableTls tls = new MutableTls(pki.node("node-a", NodeIdentity.WORKER_OU));
        assertThrows(IllegalArgumentException.class, () -> tls.update(pki.node("node-b", NodeIdentity.WORKER_OU)));
        assertThrows(IllegalArgumentException.class, () -> tls.update(new TestPki("swarm-1").node("node-a", NodeIdentity.WORKER_OU)));
    }

    /** The certificate the server at {@code port} presents to a new connection. */
    private X509Certificate presented(int port) throws IOException, GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new javax.net.ssl.TrustManager[] {TlsManagers.trustManager(List.of(pki.root))}, null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            var params = s.getSSLParameters();
            params.setApplicationProtocols(new String[] {"h2"}); // gRPC's server insists on ALPN h2
            s.setSSLParameters(params);
            s.startHandshake();
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }
}
