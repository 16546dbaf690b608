package io.shoal.rpc;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The JSSE key and trust managers behind our TLS contexts. */
final class TlsManagers {
    private static final Logger LOG = LoggerFactory.getLogger(TlsManagers.class);
    private static final String ALIAS = "node";

    /**
     * Always presents the node's one certificate, whatever CA names the server lists (JSSE's
     * default key manager would silently send none when its issuer is not among them). As with
     * swarmkit's Go client, a certificate from another CA is then refused at the handshake, with a
     * log line on the server, instead of arriving as an anonymous call.
     *
     * <p>The certificate is the source's current one at each handshake, so a renewed certificate
     * is used from the next connection on. The alias names the certificate's serial: should a
     * renewal land between JSSE asking for the chain and for the key, the lookup of the old alias
     * finds nothing and that one handshake fails (and is retried) rather than pair a key with
     * another certificate.
     */
    static X509ExtendedKeyManager keyManager(TlsSource source) {
        return new X509ExtendedKeyManager() {
            private String alias() {
                return aliasOf(source.current());
            }

            private TlsMaterial material(String alias) {
                TlsMaterial m = source.current();
                return aliasOf(m).equals(alias) ? m : null;
            }

            @Override public String[] getClientAliases(String keyType, Principal[] issuers) { return new String[] {alias()}; }
            @Override public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) { return alias(); }
            @Override public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) { return alias(); }
            @Override public String[] getServerAliases(String keyType, Principal[] issuers) { return new String[] {alias()}; }
            @Override public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) { return alias(); }
            @Override public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) { return alias(); }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                TlsMaterial m = material(alias);
                return m == null ? null : m.chainArray();
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                TlsMaterial m = material(alias);
                return m == null ? null : m.key();
            }
        };
    }

    private static String aliasOf(TlsMaterial m) {
        return ALIAS + "-" + m.certChain().getFirst().getSerialNumber().toString(16);
    }

    /** PKIX validation against the given roots only (not the JDK's cacerts). */
    static X509ExtendedTrustManager trustManager(List<X509Certificate> roots) {
        try {
            var store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < roots.size(); i++) store.setCertificateEntry("root-" + i, roots.get(i));
            var factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            return Arrays.stream(factory.getTrustManagers())
                    .filter(X509ExtendedTrustManager.class::isInstance).map(X509ExtendedTrustManager.class::cast)
                    .findFirst().orElseThrow(() -> new IllegalStateException("no X509 trust manager"));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a trust manager: " + e.getMessage(), e);
        }
    }

    /** The server's check of client certificates, logging each refusal with who was refused. */
    static X509ExtendedTrustManager loggingClientTrust(List<X509Certificate> roots) {
        X509ExtendedTrustManager pkix = trustManager(roots);
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
                check(chain, () -> pkix.checkClientTrusted(chain, authType, socket), socket == null ? null : socket.getRemoteSocketAddress());
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
                check(chain, () -> pkix.checkClientTrusted(chain, authType, engine),
                        engine == null || engine.getPeerHost() == null ? null : engine.getPeerHost() + ":" + engine.getPeerPort());
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                check(chain, () -> pkix.checkClientTrusted(chain, authType), null);
            }

            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException { pkix.checkServerTrusted(chain, authType, socket); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException { pkix.checkServerTrusted(chain, authType, engine); }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { pkix.checkServerTrusted(chain, authType); }
            @Override public X509Certificate[] getAcceptedIssuers() { return pkix.getAcceptedIssuers(); }
        };
    }

    private interface Check {
        void run() throws CertificateException;
    }

    private static void check(X509Certificate[] chain, Check check, Object peer) throws CertificateException {
        try {
            check.run();
        } catch (CertificateException e) {
            X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
            LOG.warn("refused the TLS client certificate of {}{} issued by {}: {}",
                    leaf == null ? "?" : leaf.getSubjectX500Principal(), peer == null ? "" : " from " + peer,
                    leaf == null ? "?" : leaf.getIssuerX500Principal(), e.getMessage());
            throw e;
        }
    }

    private TlsManagers() {}
}
