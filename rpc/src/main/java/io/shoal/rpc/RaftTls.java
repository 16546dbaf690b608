package io.shoal.rpc;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JSSE managers for the Raft transport (Ratis's own gRPC): mutual TLS with the node's
 * certificate, where both ends must hold a manager certificate of this swarm's CA. They read the
 * node's material each handshake, so a renewed certificate is used without restarting Raft, and
 * a manager that has no certificate yet (a new swarm's first, before its CA exists) simply takes
 * part in no handshake. Peers are Raft members known by id, not by host name, so the server's
 * name is not checked: the certificate's role is.
 */
public final class RaftTls {
    private static final Logger LOG = LoggerFactory.getLogger(RaftTls.class);
    private static final String ALIAS = "node";

    public static X509ExtendedKeyManager keyManager(Supplier<TlsMaterial> material) {
        return new X509ExtendedKeyManager() {
            private String alias() {
                return material.get() == null ? null : ALIAS;
            }

            @Override public String[] getClientAliases(String keyType, Principal[] issuers) { return material.get() == null ? null : new String[] {ALIAS}; }
            @Override public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) { return alias(); }
            @Override public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) { return alias(); }
            @Override public String[] getServerAliases(String keyType, Principal[] issuers) { return material.get() == null ? null : new String[] {ALIAS}; }
            @Override public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) { return alias(); }
            @Override public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) { return alias(); }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                TlsMaterial m = material.get();
                return m == null || !ALIAS.equals(alias) ? null : m.chainArray();
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                TlsMaterial m = material.get();
                return m == null || !ALIAS.equals(alias) ? null : m.key();
            }
        };
    }

    public static X509ExtendedTrustManager trustManager(Supplier<TlsMaterial> material) {
        return new X509ExtendedTrustManager() {
            private void check(X509Certificate[] chain, String authType, boolean client, Object peer) throws CertificateException {
                TlsMaterial m = material.get();
                try {
                    if (m == null) throw new CertificateException("this manager has no certificate yet");
                    X509ExtendedTrustManager pkix = TlsManagers.trustManager(m.trustRoots());
                    if (client) pkix.checkClientTrusted(chain, authType);
                    else pkix.checkServerTrusted(chain, authType);
                    NodeIdentity who = NodeIdentity.of(chain[0]);
                    if (!NodeIdentity.MANAGER_OU.equals(who.role())) {
                        throw new CertificateException("node " + who.nodeId() + " is a " + who.role() + ", not a manager");
                    }
                } catch (CertificateException | RuntimeException e) {
                    LOG.warn("refused a Raft peer{}: {}", peer == null ? "" : " at " + peer, e.getMessage());
                    throw e instanceof CertificateException ce ? ce : new CertificateException(e.getMessage(), e);
                }
            }

            private static Object peer(SSLEngine engine) {
                return engine == null || engine.getPeerHost() == null ? null : engine.getPeerHost() + ":" + engine.getPeerPort();
            }

            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException { check(chain, authType, true, socket == null ? null : socket.getRemoteSocketAddress()); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException { check(chain, authType, true, peer(engine)); }
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain, authType, true, null); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException { check(chain, authType, false, socket == null ? null : socket.getRemoteSocketAddress()); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException { check(chain, authType, false, peer(engine)); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain, authType, false, null); }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                TlsMaterial m = material.get();
                return m == null ? new X509Certificate[0] : m.rootsArray();
            }
        };
    }

    private RaftTls() {}
}
