package io.shoal.rpc;

/** A node certificate as the CA returns it: the node's id and role, its chain (leaf first) and the root. */
public record IssuedCertificate(String nodeId, String role, String certChainPem, String rootCaPem) {}
