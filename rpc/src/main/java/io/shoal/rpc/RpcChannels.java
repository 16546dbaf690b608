package io.shoal.rpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.shoal.pki.NodeRole;
import io.shoal.pki.TlsManagers;
import io.shoal.pki.TlsSource;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Channels from a node to a manager's cluster port ({@code host:port}). The server must present a
 * manager certificate of this swarm ({@link TlsManagers}), so a worker's certificate cannot pass
 * for a manager's. The authority is {@value #MANAGER_SERVER_NAME}, the name every manager
 * certificate carries, since a manager is known by its role, not its address.
 */
public final class RpcChannels {
    public static final String MANAGER_SERVER_NAME = "swarm-manager";
    static final Duration KEEPALIVE = Duration.ofSeconds(20);

    /** Mutual TLS: this node's certificate, and the server checked against its trust roots. */
    public static ManagedChannel mutualTls(String target, TlsSource tls) {
        return build(target, context(SslContextBuilder.forClient()
                .keyManager(TlsManagers.keyManager(tls))
                .trustManager(TlsManagers.trustManager(tls, NodeRole.MANAGER))));
    }

    /** Server-authenticated TLS without a client certificate: a joining node talking to the CA. */
    public static ManagedChannel serverAuthenticated(String target, List<X509Certificate> trustRoots) {
        return build(target, context(SslContextBuilder.forClient()
                .trustManager(TlsManagers.trustManager(trustRoots, NodeRole.MANAGER))));
    }

    /** TLS that verifies nothing about the server: only for fetching the root CA to check against a token. */
    static ManagedChannel trustOnFirstUse(String target) {
        return build(target, context(SslContextBuilder.forClient()
                .trustManager(InsecureTrustManagerFactory.INSTANCE)));
    }

    private static SslContext context(SslContextBuilder b) {
        try {
            return GrpcSslContexts.configure(b, SslProvider.JDK).build();
        } catch (SSLException e) {
            throw new UncheckedIOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static ManagedChannel build(String target, SslContext ssl) {
        return NettyChannelBuilder.forTarget(target)
                .sslContext(ssl)
                .overrideAuthority(MANAGER_SERVER_NAME)
                .executor(Threads.VIRTUAL)
                .maxInboundMessageSize(RpcServer.MAX_MESSAGE_BYTES)
                .keepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .build();
    }

    /** Closes a channel, waiting briefly for calls in flight. */
    static void close(ManagedChannel channel) {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(1, TimeUnit.SECONDS)) channel.shutdownNow();
        } catch (InterruptedException e) {
            channel.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private RpcChannels() {}
}
