/**
 * The swarm's PKI, after swarmkit's {@code ca} package, with nothing but the JDK and BouncyCastle:
 * no store, no RPC, no HTTP. The manager's store-backed CA and the cluster port build on it.
 *
 * <ul>
 *   <li>{@link io.shoal.pki.RootCa}: the root (ECDSA P-256, CN {@code swarm-ca}, 20 years) or a
 *       user-given CA; signs node certificates from CSRs, taking only the public key from the
 *       CSR. Node certificates: CN = node id, OU = {@code swarm-manager}/{@code swarm-worker},
 *       O = cluster id; backdated 1 h; 90 days unless the cluster says otherwise (never below 1 h).
 *   <li>{@link io.shoal.pki.NodeIdentity}, {@link io.shoal.pki.NodeRole}: the one reading of a node
 *       certificate's subject, exactly one CN, OU and O.
 *   <li>{@link io.shoal.pki.JoinToken}, {@link io.shoal.pki.ClusterJoinTokens}:
 *       {@code SWMTKN-1-<root digest>-<secret>}; the digest authenticates the swarm to a joining
 *       node, the secret authorizes the node; compared in constant time.
 *   <li>{@link io.shoal.pki.CertificateIssuer}: the manager's decisions (which role a token grants,
 *       new node ids); {@link io.shoal.pki.CertificateAuthority}: the CA as the cluster port
 *       serves it, handing out {@link io.shoal.pki.IssuedCertificate}s.
 *   <li>{@link io.shoal.pki.NodeCertificates}: the node's key, chain and root, checked to belong
 *       together, kept on disk as one file ({@code swarm-node.pem}, 0600) replaced in one rename;
 *       renewal time (random between 50% and 80% of the validity); its {@link io.shoal.pki.TlsMaterial}.
 *   <li>{@link io.shoal.pki.TlsManagers}: the key manager and the peer check of every node-to-node
 *       TLS connection (cluster port server and channels, Raft transport), reading the material
 *       of a {@link io.shoal.pki.TlsSource} such as {@link io.shoal.pki.MutableTls} at each
 *       handshake so that a renewed certificate is used without a restart.
 *   <li>{@link io.shoal.pki.DataKey}: the node's data encryption key.
 *   <li>{@link io.shoal.pki.UnlockKey}, {@link io.shoal.pki.NodeKeys}: autolock's unlock key
 *       ({@code SWMKEY-1-...}) and the node's key files, in clear or sealed under it, rewritten
 *       in an order a crash cannot leave unopenable.
 * </ul>
 *
 * Refusals are {@link io.shoal.pki.PkiException}s: INVALID for bad input (token, CSR, key,
 * certificate, expiry), DENIED for a request that is understood but not allowed; the edges (the
 * Engine API, the control API, the cluster port) turn them into 400 and 403. No state here is
 * shared or mutable except {@code MutableTls} and {@code NodeKeys} (the one writer of its files): the cluster's tokens and expiry are read from
 * suppliers at every call, so the store stays their one owner.
 */
package io.shoal.pki;
