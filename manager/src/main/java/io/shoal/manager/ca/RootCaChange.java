package io.shoal.manager.ca;

import io.shoal.api.ApiException;
import io.shoal.api.Cluster;
import io.shoal.api.Node;
import io.shoal.api.SwarmSpec;
import io.shoal.pki.ClusterJoinTokens;
import io.shoal.pki.IssuerInfo;
import io.shoal.pki.Pem;
import io.shoal.pki.PkiException;
import io.shoal.pki.RootCa;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * What a swarm update's {@code CAConfig} does to the root CA, after swarmkit's
 * {@code validateCAConfig}: a changed {@code ForceRotate} starts a rotation to a new root, a given
 * {@code SigningCACert} and {@code SigningCAKey} to that root (or, if it is the current root, ends
 * any rotation); and how a rotation ends once every node holds a certificate of the next root.
 * Pure functions of the cluster's state; refusals are 400s with swarmkit's messages.
 *
 * <p>A rotation keeps the current root as the swarm's root and adds the next one with its key and
 * the next root's certificate signed by the current root (the cross-signed intermediate), so that
 * nodes still on the current root accept the certificates the managers now sign with the next key.
 */
public final class RootCaChange {
    /** swarmkit's {@code minRootExpiration}: a root given to rotate to must be valid at least a year. */
    static final Duration MIN_ROOT_EXPIRY = Duration.ofDays(365);

    private RootCaChange() {}

    /**
     * The root CA state {@code config} asks for, from {@code current}; {@code current} itself when
     * nothing changes, or when there is no root to rotate from (a store made without a CA, as the
     * controllers' tests make it).
     */
    public static Cluster.RootCa apply(Cluster.RootCa current, SwarmSpec.CaConfig config, Instant now) {
        if (config == null || current == null) return current;
        String certPem = blankToNull(config.signingCACert());
        String keyPem = blankToNull(config.signingCAKey());
        if (keyPem != null && certPem == null) {
            throw ApiException.invalid("if a signing CA key is provided, the signing CA cert must also be provided");
        }
        if (certPem == null) {
            if (current.lastForcedRotation() == config.forceRotate()) return current;
            return start(current, RootCa.create(), config.forceRotate());
        }
        RootCa wanted;
        try {
            wanted = keyPem == null ? RootCa.fromCertificatePem(certPem) : RootCa.fromPem(certPem, keyPem);
        } catch (PkiException e) {
            throw ApiException.of(e);
        }
        if (wanted.certificate().getNotAfter().toInstant().isBefore(now.plus(MIN_ROOT_EXPIRY))) {
            throw ApiException.invalid("CA certificate expires too soon");
        }
        if (sameCertificate(wanted, current.certPem())) {
            // The current root: any rotation is called off (its key, if given, replaces ours).
            if (keyPem == null) return current;
            return new Cluster.RootCa(current.certPem(), wanted.keyPem().orElseThrow(), config.forceRotate(), null);
        }
        Cluster.RootRotation rotation = current.rotation();
        if (rotation != null && sameCertificate(wanted, rotation.caCertPem())) {
            if (keyPem == null) return current;
            return new Cluster.RootCa(current.certPem(), current.keyPem(), config.forceRotate(),
                    new Cluster.RootRotation(rotation.caCertPem(), wanted.keyPem().orElseThrow(), rotation.crossSignedCaCertPem()));
        }
        if (keyPem == null) {
            throw ApiException.invalid("a signing CA certificate without its key needs an external CA, which this swarm does not support");
        }
        if (RootCa.fromCertificatePem(current.certPem()).certificate().getPublicKey().equals(wanted.certificate().getPublicKey())) {
            throw ApiException.invalid("Cannot update to a cert with an identical key");
        }
        return start(current, wanted, config.forceRotate());
    }

    /** A rotation from the current root to {@code next}; one already in progress is replaced (the cross-signature is always the current root's). */
    private static Cluster.RootCa start(Cluster.RootCa current, RootCa next, long forceRotate) {
        RootCa root = RootCa.fromPem(current.certPem(), current.keyPem());
        String crossSigned = Pem.certificate(root.crossSign(next.certificate()));
        return new Cluster.RootCa(current.certPem(), current.keyPem(), forceRotate,
                new Cluster.RootRotation(next.certificatePem(), next.keyPem().orElseThrow(), crossSigned));
    }

    /**
     * The end of a rotation: the next root is the swarm's only root, and the join tokens are
     * new ones, whose digest is the next root's (a token of the old root is refused from now on).
     */
    public static Cluster finish(Cluster c) {
        Cluster.RootRotation rotation = c.rootCa().rotation();
        var root = new Cluster.RootCa(rotation.caCertPem(), rotation.caKeyPem(), c.rootCa().lastForcedRotation(), null);
        ClusterJoinTokens tokens = ClusterJoinTokens.generate(RootCa.fromCertificatePem(root.certPem()));
        return c.withRootCa(root, shown(root))
                .withJoinTokens(new Cluster.JoinTokens(tokens.worker().value(), tokens.manager().value()));
    }

    /**
     * The swarm's {@code TLSInfo} as the Engine API shows it: its root, and the issuer every node
     * certificate is to have (the next root's, during a rotation), which {@code docker swarm ca
     * --rotate} compares each node's with.
     */
    public static Node.TlsInfo shown(Cluster.RootCa r) {
        String issuer = r.rotation() == null ? r.certPem() : r.rotation().caCertPem();
        return new Node.TlsInfo(r.certPem(), IssuerInfo.of(Pem.parseCertificate("root CA", issuer)));
    }

    /** What every node is to hold: the swarm's TLSInfo, trusting the next root as well during a rotation. */
    public static Node.TlsInfo forNodes(Cluster c) {
        Cluster.RootCa r = c.rootCa();
        String roots = r.rotation() == null ? r.certPem() : r.certPem() + r.rotation().caCertPem();
        return new Node.TlsInfo(roots, c.tlsInfo().certIssuerSubject(), c.tlsInfo().certIssuerPublicKey());
    }

    private static boolean sameCertificate(RootCa a, String pem) {
        try {
            return Arrays.equals(a.certificate().getEncoded(), Pem.parseCertificate("root CA", pem).getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
