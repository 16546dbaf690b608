/**
 * Node-to-manager RPC on the cluster port: the dispatcher ({@code dispatcher.proto}), the CA
 * ({@code ca.proto}), Raft membership and state transfer, over gRPC with TLS.
 *
 * <ul>
 * <li>Server: {@link io.shoal.rpc.RpcServer} serves a given {@link io.shoal.api.dispatcher.DispatcherProtocol}
 *     and {@link io.shoal.pki.CertificateAuthority} on one port. A client certificate is required on
 *     every call except the CA's GetRootCaCertificate and IssueNodeCertificate (a joining node has
 *     none); the peer's node id and role come from its certificate (CN, OU), never from a request
 *     ({@link io.shoal.pki.NodeIdentity}, put in the call's context by the
 *     {@link io.shoal.rpc.PeerIdentityInterceptor}); a {@link io.shoal.rpc.PeerAuthorizer} refuses
 *     removed nodes; Raft membership and state transfer are for managers only.</li>
 * <li>Client: {@link io.shoal.rpc.RemoteDispatcher} is a {@code Dispatcher} over the wire, with the
 *     same exceptions as the in-process one; {@link io.shoal.rpc.CaClient} joins (fetch the root with
 *     trust on first use, check it against the token, then get a certificate over server-authenticated
 *     TLS) and renews.</li>
 * <li>TLS: the key and trust managers are the pki module's {@link io.shoal.pki.TlsManagers}, the
 *     same the Raft transport uses. The TLS implementation is the JDK's (netty's
 *     {@code SslProvider.JDK}): the shaded BoringSSL took about five seconds to initialise on this
 *     kind of machine, on a path (daemon start, failover) we want fast.</li>
 * </ul>
 */
package io.shoal.rpc;
