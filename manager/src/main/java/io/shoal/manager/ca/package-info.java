/**
 * The swarm's PKI, after swarmkit's {@code ca} package.
 *
 * <ul>
 *   <li>{@link io.shoal.manager.ca.RootCa}: the root (ECDSA P-256, CN {@code swarm-ca}, 20 years)
 *       or a user-given CA; signs node certificates from CSRs, taking only the public key from the
 *       CSR. Node certificates: CN = node id, OU = {@code swarm-manager}/{@code swarm-worker},
 *       O = cluster id; backdated 1 h; 90 days unless the cluster says otherwise (never below 1 h).
 *   <li>{@link io.shoal.manager.ca.JoinToken}, {@link io.shoal.manager.ca.ClusterJoinTokens}:
 *       {@code SWMTKN-1-<root digest>-<secret>}; the digest authenticates the swarm to a joining
 *       node, the secret authorizes the node; compared in constant time.
 *   <li>{@link io.shoal.manager.ca.CertificateIssuer}: the manager's decisions (which role a token
 *       grants, new node ids, renewals keep identity, removed nodes stay out).
 *   <li>{@link io.shoal.manager.ca.NodeCertificates}: the node's key, certificate and root on disk
 *       ({@code swarm-node.key} 0600, {@code swarm-node.crt}, {@code swarm-root-ca.crt}), renewal
 *       time (random between 50% and 80% of the validity), and the JDK/netty TLS material.
 *   <li>{@link io.shoal.manager.ca.PeerAuthenticator}: who the peer of a mutual-TLS connection is
 *       and whether it may be, either after the handshake or as the handshake's trust manager.
 * </ul>
 *
 * Refusals are {@link io.shoal.api.ApiException}s: 400 for bad input (token, CSR, expiry), 403 for
 * a peer that is not allowed (another swarm's, another cluster's, a removed node). No state here
 * is shared or mutable: the cluster's tokens, expiry and removed nodes are read from suppliers at
 * every call, so the store stays their one owner.
 */
package io.shoal.manager.ca;
