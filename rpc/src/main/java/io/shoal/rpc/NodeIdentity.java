package io.shoal.rpc;

import io.grpc.Context;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * Who a node certificate speaks for, as swarmkit writes it: the node id in the subject's CN, the
 * role in its OU ({@value #MANAGER_OU} or {@value #WORKER_OU}) and the cluster in its O. The
 * server puts the calling peer's identity in the gRPC {@link Context}; see {@link #current()}.
 */
public record NodeIdentity(String nodeId, String role, String organization) {
    public static final String MANAGER_OU = "swarm-manager";
    public static final String WORKER_OU = "swarm-worker";

    static final Context.Key<NodeIdentity> CONTEXT_KEY = Context.key("shoal-peer-identity");

    public NodeIdentity {
        if (nodeId == null || nodeId.isEmpty()) throw new IllegalArgumentException("a node identity needs a node id (CN)");
    }

    public boolean isManager() {
        return MANAGER_OU.equals(role);
    }

    /** The identity in a certificate's subject; refuses one without a CN. */
    public static NodeIdentity of(X509Certificate cert) {
        return of(cert.getSubjectX500Principal());
    }

    public static NodeIdentity of(X500Principal subject) {
        String cn = null, ou = null, o = null;
        try {
            for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
                String value = String.valueOf(rdn.getValue());
                switch (rdn.getType().toUpperCase(java.util.Locale.ROOT)) {
                    case "CN" -> cn = value;
                    case "OU" -> ou = ou == null ? value : ou;
                    case "O" -> o = o == null ? value : o;
                    default -> { }
                }
            }
        } catch (InvalidNameException e) {
            throw new IllegalArgumentException("unreadable certificate subject " + subject + ": " + e.getMessage(), e);
        }
        if (cn == null || cn.isEmpty()) throw new IllegalArgumentException("certificate subject " + subject + " has no CN (node id)");
        return new NodeIdentity(cn, ou, o);
    }

    /** The peer of the gRPC call being served, or null outside one or for a peer without a certificate. */
    public static NodeIdentity current() {
        return CONTEXT_KEY.get();
    }

    /** The calling node, which must hold a manager certificate to do {@code what}. */
    static NodeIdentity requireManager(String what) {
        NodeIdentity peer = current();
        if (peer == null || !MANAGER_OU.equals(peer.role())) {
            throw new io.shoal.api.ApiException(403, "only a manager may " + what);
        }
        return peer;
    }
}
