package io.shoal.pki;

import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;

/**
 * Who a node certificate speaks for, in swarmkit's layout: CN = node id, OU = role, O = cluster
 * id, exactly one of each. This is the one reading of a peer's certificate: the TLS trust
 * managers, the cluster port's calls and the CA all use it. Reading it does not check who issued
 * the certificate; {@link TlsManagers} does.
 */
public record NodeIdentity(String nodeId, NodeRole role, String clusterId) {
    public NodeIdentity {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(clusterId, "clusterId");
        if (nodeId.isBlank()) throw new IllegalArgumentException("empty node id");
        if (clusterId.isBlank()) throw new IllegalArgumentException("empty cluster id");
    }

    public static NodeIdentity of(X509Certificate cert) {
        X500Name subject;
        try {
            subject = new JcaX509CertificateHolder(cert).getSubject();
        } catch (CertificateEncodingException e) {
            throw PkiException.invalid("unreadable certificate: %s", e.getMessage());
        }
        String cn = single(subject, BCStyle.CN, "CN");
        String ou = single(subject, BCStyle.OU, "OU");
        String o = single(subject, BCStyle.O, "O");
        NodeRole role = NodeRole.fromOu(ou)
                .orElseThrow(() -> PkiException.invalid("certificate has an unknown role (OU) %s", ou));
        return new NodeIdentity(cn, role, o);
    }

    X500Name subject() {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, clusterId)
                .addRDN(BCStyle.OU, role.ou())
                .addRDN(BCStyle.CN, nodeId)
                .build();
    }

    private static String single(X500Name name, ASN1ObjectIdentifier attr, String label) {
        RDN[] rdns = name.getRDNs(attr);
        if (rdns.length != 1 || rdns[0].isMultiValued()) {
            throw PkiException.invalid("certificate subject %s must carry exactly one %s", name, label);
        }
        if (!(rdns[0].getFirst().getValue() instanceof ASN1String str)) {
            throw PkiException.invalid("certificate subject %s is not a string", label);
        }
        String v = str.getString();
        if (v.isBlank()) throw PkiException.invalid("certificate subject has an empty %s", label);
        return v;
    }
}
