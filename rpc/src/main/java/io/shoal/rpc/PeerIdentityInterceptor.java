package io.shoal.rpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusException;
import io.shoal.api.ApiException;
import io.shoal.pki.NodeIdentity;
import io.shoal.pki.NodeRole;
import io.shoal.pki.PkiException;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every call on the cluster port. TLS has already checked that a presented client
 * certificate is a node certificate of this swarm and cluster ({@link io.shoal.pki.TlsManagers}: an unknown CA
 * fails the handshake); here a call without one is refused unless its method is open to joining
 * nodes, the peer's {@link NodeIdentity} is put in the {@link Context} for the services to read
 * ({@link #current()}), and the {@link PeerAuthorizer} may refuse the node (a removed one).
 */
final class PeerIdentityInterceptor implements ServerInterceptor {
    private static final Logger LOG = LoggerFactory.getLogger(PeerIdentityInterceptor.class);
    private static final Context.Key<NodeIdentity> PEER = Context.key("shoal-peer-identity");

    private final Set<String> openMethods;
    private final PeerAuthorizer authorizer;

    PeerIdentityInterceptor(Set<String> openMethods, PeerAuthorizer authorizer) {
        this.openMethods = Set.copyOf(openMethods);
        this.authorizer = authorizer;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        X509Certificate cert = peerCertificate(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (cert == null) {
            if (openMethods.contains(method)) return next.startCall(call, headers);
            return refuse(call, Status.UNAUTHENTICATED.withDescription(
                    method + " requires a client certificate signed by this swarm's root CA").asException(), remote);
        }
        NodeIdentity peer;
        try {
            peer = NodeIdentity.of(cert);
        } catch (PkiException e) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription(e.getMessage()).asException(), remote);
        }
        try {
            authorizer.authorize(peer);
        } catch (RuntimeException e) {
            return refuse(call, Errors.toStatus(e), remote);
        }
        return Contexts.interceptCall(Context.current().withValue(PEER, peer), call, headers, next);
    }

    /** The peer of the call being served, or null outside one or for a peer without a certificate. */
    static NodeIdentity current() {
        return PEER.get();
    }

    /** The calling node, which must hold a manager certificate to do {@code what}. */
    static NodeIdentity requireManager(String what) {
        NodeIdentity peer = current();
        if (peer == null || peer.role() != NodeRole.MANAGER) throw new ApiException(403, "only a manager may " + what);
        return peer;
    }

    private static X509Certificate peerCertificate(SSLSession session) {
        if (session == null) return null;
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate x ? x : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, StatusException refusal, SocketAddress remote) {
        LOG.warn("refused {} from {}: {}", call.getMethodDescriptor().getFullMethodName(), remote,
                refusal.getStatus().getDescription());
        call.close(refusal.getStatus(), refusal.getTrailers() == null ? new Metadata() : refusal.getTrailers());
        return new ServerCall.Listener<>() {};
    }
}
