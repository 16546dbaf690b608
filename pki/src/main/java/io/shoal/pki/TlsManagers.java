package io.shoal.pki;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JSSE key and trust managers of every TLS connection between nodes: the cluster port's
 * server and channels, and the Raft transport. One key manager (the node's current certificate)
 * and one check of the peer, so that what one connection accepts another does not refuse.
 */
public final class TlsManagers {
    private static final System.Logger log = System.getLogger(TlsManagers.class.getName());
    private static final String ALIAS = "node";

    /**
     * Always presents the node's one certificate, whatever CA names the peer lists (JSSE's
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
    public static X509ExtendedKeyManager keyManager(TlsSource source) {
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
                return m == null ? null : m.certChain().toArray(X509Certificate[]::new);
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

    /**
     * Accepts a peer of this node's own swarm: its chain leads to {@code own}'s trust roots, its
     * certificate names {@code own}'s cluster, and its role is one of {@code allowed} (any role
     * when none is given). Used by both ends: a server checks its clients with it, a client its
     * server. Peers are known by the node identity their certificate carries, not by host name,
     * so no host name is checked.
     */
    public static X509ExtendedTrustManager trustManager(TlsSource own, NodeRole... allowed) {
        return new PeerTrust(own, Set.of(allowed));
    }

    /**
     * The same check for a node that has no certificate yet (a joining node checking the manager
     * it joins through): only the roots and the role, since it belongs to no cluster yet.
     */
    public static X509ExtendedTrustManager trustManager(List<X509Certificate> roots, NodeRole... allowed) {
        return new PeerTrust(null, new Roots(roots, pkix(roots)), Set.of(allowed));
    }

    /** A PKIX check against these roots, kept while they are the roots in use. */
    private record Roots(List<X509Certificate> certificates, X509ExtendedTrustManager pkix) {}

    /** PKIX validation against the given roots only (not the JDK's cacerts). */
    private static X509ExtendedTrustManager pkix(List<X509Certificate> roots) {
        try {
            var store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < roots.size(); i++) store.setCertificateEntry("root-" + i, roots.get(i));
            var factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            return Arrays.stream(factory.getTrustManagers())
                    .filter(X509ExtendedTrustManager.class::isInstance).map(X509ExtendedTrustManager.class::cast)
                    .findFirst().orElseThrow(() -> new IllegalStateException("no X509 trust manager"));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager: " + e.getMessage(), e);
        }
    }

    /** The check of a peer's chain, logging each refusal with who was refused. */
    private static final class PeerTrust extends X509ExtendedTrustManager {
        private final TlsSource own; // null: fixed roots, any cluster
        private final Set<NodeRole> allowed; // empty: any
        private volatile Roots roots;

        PeerTrust(TlsSource own, Set<NodeRole> allowed) {
            this(own, null, allowed);
        }

        private PeerTrust(TlsSource own, Roots roots, Set<NodeRole> allowed) {
            this.own = own;
            this.roots = roots;
            this.allowed = allowed;
        }

        /** The check against the roots the node holds now: a root rotation changes them at run time. */
        private X509ExtendedTrustManager pkix() {
            Roots r = roots;
            if (own == null) return r.pkix();
            List<X509Certificate> now = own.current().trustRoots();
            if (r == null || !r.certificates().equals(now)) {
                r = new Roots(now, TlsManagers.pkix(now));
                roots = r;
            }
            return r.pkix();
        }

        private void check(X509Certificate[] chain, String authType, boolean client, Object peer) throws CertificateException {
            try {
                X509ExtendedTrustManager pkix = pkix();
                String clusterId = own == null ? null : own.current().identity().clusterId();
                if (client) pkix.checkClientTrusted(chain, authType);
                else pkix.checkServerTrusted(chain, authType);
                NodeIdentity who;
                try {
                    who = NodeIdentity.of(chain[0]);
                } catch (PkiException e) {
                    throw new CertificateException("not a node certificate: " + e.getMessage(), e);
                }
                if (clusterId != null && !clusterId.equals(who.clusterId())) {
                    throw new CertificateException("node " + who.nodeId() + " belongs to cluster " + who.clusterId() + ", not this one");
                }
                if (!allowed.isEmpty() && !allowed.contains(who.role())) {
                    throw new CertificateException("node " + who.nodeId() + " is a " + who.role().apiName() + ": not allowed here");
                }
            } catch (CertificateException e) {
                X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
                log.log(Level.WARNING, "refused the TLS certificate of {0}{1} issued by {2}: {3}",
                        leaf == null ? "?" : leaf.getSubjectX500Principal(), peer == null ? "" : " from " + peer,
                        leaf == null ? "?" : leaf.getIssuerX500Principal(), e.getMessage());
                throw e;
            }
        }

        private static Object peer(Socket socket) {
            return socket == null ? null : socket.getRemoteSocketAddress();
        }

        private static Object peer(SSLEngine engine) {
            return engine == null || engine.getPeerHost() == null ? null : engine.getPeerHost() + ":" + engine.getPeerPort();
        }

        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException { check(chain, authType, true, peer(socket)); }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException { check(chain, authType, true, peer(engine)); }
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain, authType, true, null); }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException { check(chain, authType, false, peer(socket)); }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException { check(chain, authType, false, peer(engine)); }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException { check(chain, authType, false, null); }
        @Override public X509Certificate[] getAcceptedIssuers() { return pkix().getAcceptedIssuers(); }
    }

    private TlsManagers() {}
}
