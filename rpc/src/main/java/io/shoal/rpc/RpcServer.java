package io.shoal.rpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.shoal.api.dispatcher.DispatcherProtocol;
import io.shoal.pki.CertificateAuthority;
import io.shoal.pki.TlsManagers;
import io.shoal.pki.TlsSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The managers' cluster port (2377): the dispatcher, the CA and whatever other node-to-node
 * services are added, on one gRPC server with TLS.
 *
 * <p>One port, one server, like swarmkit. TLS <em>requests</em> a client certificate and verifies
 * any that is presented as a node certificate of this swarm and cluster ({@link TlsManagers}: a
 * certificate from another CA fails the handshake), but does not demand one, because a joining node has none yet. The
 * {@link PeerIdentityInterceptor} then refuses every call without a certificate (UNAUTHENTICATED)
 * except {@code Ca/GetRootCaCertificate} and {@code Ca/IssueNodeCertificate}, so everything else —
 * the dispatcher included — is mutual TLS in effect. The alternative, a second port for joining,
 * would mean a second address to configure and open, for no gain in what is checked.
 */
public final class RpcServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RpcServer.class);
    static final int MAX_MESSAGE_BYTES = 32 << 20;

    private final Server server;

    private RpcServer(Server server) {
        this.server = server;
    }

    public static Builder builder(InetSocketAddress listen, TlsSource tls) {
        return new Builder(listen, tls);
    }

    /** The bound port (useful when listening on port 0). */
    public int port() {
        return server.getPort();
    }

    /** Stops accepting calls, gives running ones a moment, then cancels the rest (streams included). */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    public static final class Builder {
        private final InetSocketAddress listen;
        private final TlsSource tls;
        private DispatcherProtocol dispatcher;
        private CertificateAuthority ca;
        private PeerAuthorizer authorizer = PeerAuthorizer.ALLOW_ALL;
        private final List<BindableService> services = new ArrayList<>();

        private Builder(InetSocketAddress listen, TlsSource tls) {
            this.listen = listen;
            this.tls = tls;
        }

        /** Serves the DispatcherProtocol service from this in-process dispatcher. */
        public Builder dispatcher(DispatcherProtocol d) {
            this.dispatcher = d;
            return this;
        }

        /** Serves the Ca service from this certificate authority. */
        public Builder certificateAuthority(CertificateAuthority ca) {
            this.ca = ca;
            return this;
        }

        /** Refuses certain authenticated nodes (removed ones); all are allowed by default. */
        public Builder peerAuthorizer(PeerAuthorizer a) {
            this.authorizer = a;
            return this;
        }

        public Builder raftMembership(RaftMembership m) {
            services.add(new MembershipService(m));
            return this;
        }

        public Builder stateTransfer(StateTransfer t) {
            services.add(new StateTransferService(t));
            return this;
        }

        /** Another service on the same port, under the same rule: a client certificate is required. */
        public Builder service(BindableService s) {
            services.add(s);
            return this;
        }

        public RpcServer start() throws IOException {
            var interceptor = new PeerIdentityInterceptor(ca == null ? java.util.Set.of() : CaService.OPEN_METHODS, authorizer);
            var b = NettyServerBuilder.forAddress(listen)
                    .sslContext(serverContext(tls))
                    .executor(Threads.VIRTUAL)
                    .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                    // clients ping every RpcChannels.KEEPALIVE to notice a dead link under a quiet stream
                    .permitKeepAliveTime(RpcChannels.KEEPALIVE.toSeconds() / 2, TimeUnit.SECONDS);
            if (dispatcher != null) b.addService(ServerInterceptors.intercept(new DispatcherService(dispatcher), interceptor));
            if (ca != null) b.addService(ServerInterceptors.intercept(new CaService(ca), interceptor));
            for (var s : services) b.addService(ServerInterceptors.intercept(s, interceptor));
            Server server = b.build().start();
            LOG.info("cluster RPC listening on {} as node {}", server.getListenSockets(), tls.current().identity().nodeId());
            return new RpcServer(server);
        }
    }

    private static SslContext serverContext(TlsSource tls) {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forServer(TlsManagers.keyManager(tls)), SslProvider.JDK)
                    .trustManager(TlsManagers.trustManager(tls))
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build();
        } catch (SSLException e) {
            throw new UncheckedIOException("cannot set up the server's TLS: " + e.getMessage(), e);
        }
    }
}
