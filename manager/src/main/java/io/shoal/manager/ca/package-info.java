/**
 * The swarm's certificate authority as the managers run it, on top of the generic PKI in
 * {@code io.shoal.pki}: the root CA's key and the join tokens live in the cluster object of the
 * store, nodes that join are registered in the store, and removed nodes (gone from the store) are
 * refused. The cluster port ({@code io.shoal.rpc}) serves it as a {@link io.shoal.pki.CertificateAuthority}.
 */
package io.shoal.manager.ca;
