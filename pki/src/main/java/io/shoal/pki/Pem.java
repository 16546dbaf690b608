package io.shoal.pki;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM in and out, the one reader of keys and certificates in the swarm: keys in PKCS#8, SEC1
 * ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY}), certificates, CSRs. Every parse
 * failure is a {@link PkiException} of kind INVALID saying what was wrong, prefixed with what was
 * being read.
 */
public final class Pem {
    private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});

    private Pem() {}

    static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + BASE64.encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    /** The DER of the first {@code type} block in {@code pem}. */
    static byte[] decode(String type, String pem) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = pem.indexOf(begin);
        int to = from < 0 ? -1 : pem.indexOf(end, from);
        if (to < 0) throw PkiException.invalid("no PEM block of type %s found", type);
        try {
            return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw PkiException.invalid("%s: malformed base64: %s", type, e.getMessage());
        }
    }

    public static String certificate(X509Certificate cert) {
        try {
            return encode("CERTIFICATE", cert.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String certificates(List<X509Certificate> chain) {
        StringBuilder b = new StringBuilder();
        chain.forEach(c -> b.append(certificate(c)));
        return b.toString();
    }

    /** PKCS#8 ({@code PRIVATE KEY}), which the JDK and gRPC's netty TLS both read. */
    public static String privateKey(PrivateKey key) {
        return encode("PRIVATE KEY", key.getEncoded());
    }

    /** One or more certificates, in order; at least one. */
    public static List<X509Certificate> parseCertificates(String what, String pem) {
        if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw PkiException.invalid("%s: no PEM certificate found", what);
        }
        try {
            var certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) throw PkiException.invalid("%s: no PEM certificate found", what);
            return certs.stream().map(c -> (X509Certificate) c).toList();
        } catch (CertificateException e) {
            throw PkiException.invalid("%s: malformed certificate: %s", what, e.getMessage());
        }
    }

    public static X509Certificate parseCertificate(String what, String pem) {
        List<X509Certificate> certs = parseCertificates(what, pem);
        if (certs.size() != 1) throw PkiException.invalid("%s: expected one certificate, found %d", what, certs.size());
        return certs.getFirst();
    }

    /** An unencrypted private key: PKCS#8, SEC1 ({@code EC PRIVATE KEY}) or PKCS#1 ({@code RSA PRIVATE KEY}). */
    public static PrivateKey parsePrivateKey(String what, String pem) {
        Object o = parseOne(what, pem);
        var converter = new JcaPEMKeyConverter();
        try {
            return switch (o) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo()); // SEC1 may omit the public key
                case PEMEncryptedKeyPair _, PKCS8EncryptedPrivateKeyInfo _ ->
                        throw PkiException.invalid("%s: encrypted private keys are not supported", what);
                default -> throw PkiException.invalid("%s: not a private key", what);
            };
        } catch (IOException e) {
            throw PkiException.invalid("%s: malformed private key: %s", what, e.getMessage());
        }
    }

    static PKCS10CertificationRequest parseCsr(String pem) {
        if (parseOne("CSR", pem) instanceof PKCS10CertificationRequest csr) return csr;
        throw PkiException.invalid("CSR: not a PEM certificate request");
    }

    private static Object parseOne(String what, String pem) {
        if (pem == null || pem.isBlank()) throw PkiException.invalid("%s: empty", what);
        try (var parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (o == null) throw PkiException.invalid("%s: no PEM block found", what);
            return o;
        } catch (IOException | RuntimeException e) {
            if (e instanceof PkiException p) throw p;
            throw PkiException.invalid("%s: malformed PEM: %s", what, e.getMessage());
        }
    }
}
