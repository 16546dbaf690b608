package io.shoal.pki;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X962Parameters;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** CAs made the way a user would bring one: with their own names, algorithms and PEM forms. */
final class TestCas {
    record UserCa(String certPem, String keyPem, KeyPair keys) {}

    private TestCas() {}

    /** A CA cert and its key in the legacy PEM form openssl writes ({@code EC PRIVATE KEY} / {@code RSA PRIVATE KEY}). */
    static UserCa userCa(String algorithm, boolean isCa) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(algorithm.equals("RSA") ? 2048 : 256);
        KeyPair pair = g.generateKeyPair();
        X500Name name = new X500Name("CN=Example Corp Root,O=Example Corp");
        Instant now = Instant.now();
        var b = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(42), Date.from(now.minus(1, ChronoUnit.DAYS)),
                Date.from(now.plus(3650, ChronoUnit.DAYS)), name, pair.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
        if (isCa) b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        String sig = algorithm.equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder(sig).build(pair.getPrivate())));
        return new UserCa(pem(cert), algorithm.equals("EC") ? sec1(pair) : pem(pair), pair);
    }

    /** {@code EC PRIVATE KEY} with the curve and public key, as {@code openssl ecparam -genkey} writes it. */
    static String sec1(KeyPair pair) throws Exception {
        var pub = SubjectPublicKeyInfo.getInstance(pair.getPublic().getEncoded()).getPublicKeyData();
        var key = new ECPrivateKey(256, ((java.security.interfaces.ECPrivateKey) pair.getPrivate()).getS(), pub,
                new X962Parameters(SECObjectIdentifiers.secp256r1));
        return Pem.encode("EC PRIVATE KEY", key.getEncoded());
    }

    static String pem(Object o) throws Exception {
        var w = new StringWriter();
        try (var p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }
}
