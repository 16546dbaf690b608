/**
 * Node-to-manager RPC on the cluster port: the dispatcher ({@code dispatcher.proto}) and the CA
 * ({@code ca.proto}) over gRPC with TLS.
 *
 * <ul>
 * <li>Server: {@link io.shoal.rpc.RpcServer} serves a given {@link io.shoal.api.dispatcher.Dispatcher}
 *     and {@link io.shoal.rpc.NodeCertificateIssuer} on one port. A client certificate is required on
 *     every call except the CA's GetRootCaCertificate and IssueNodeCertificate (a joining node has
 *     none); the peer's node id and role come from its certificate (CN, OU), never from a request
 *     ({@link io.shoal.rpc.NodeIdentity#current()}); a {@link io.shoal.rpc.PeerAuthorizer} refuses
 *     removed nodes.</li>
 * <li>Client: {@link io.shoal.rpc.RemoteDispatcher} is a {@code Dispatcher} over the wire, with the
 *     same exceptions as the in-process one; {@link io.shoal.rpc.CaClient} joins (fetch the root with
 *     trust on first use, check it against the token, then get a certificate over server-authenticated
 *     TLS) and renews.</li>
 * <li>TLS is the JDK's (netty's {@code SslProvider.JDK}): the shaded BoringSSL took about five seconds
 *     to initialise on this kind of machine, on a path (daemon start, failover) we want fast.</li>
 * </ul>
 */
package io.shoal.rpc;
