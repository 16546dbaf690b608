package io.shoal.rpc;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/** PEM text to and from {@code java.security} objects, with nothing but the JDK. */
public final class Pem {
    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    /** Every certificate in the text, in order (a chain is leaf first). */
    public static List<X509Certificate> certificates(String pem) {
        try {
            var certs = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (certs.isEmpty()) throw new IllegalArgumentException("no certificate in the PEM text");
            return certs.stream().map(X509Certificate.class::cast).toList();
        } catch (CertificateException e) {
            throw new IllegalArgumentException("malformed certificate PEM: " + e.getMessage(), e);
        }
    }

    /** A PKCS#8 ({@code BEGIN PRIVATE KEY}) EC or RSA key. */
    public static PrivateKey privateKey(String pem) {
        var m = PKCS8.matcher(pem);
        if (!m.find()) {
            throw new IllegalArgumentException(pem.contains("BEGIN EC PRIVATE KEY")
                    ? "SEC1 (BEGIN EC PRIVATE KEY) keys are not supported; store the key as PKCS#8 (BEGIN PRIVATE KEY)"
                    : "no PKCS#8 private key (BEGIN PRIVATE KEY) in the PEM text");
        }
        var spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
        for (String algorithm : new String[] {"EC", "RSA"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("the PKCS#8 key is neither EC nor RSA");
    }

    public static String encode(X509Certificate cert) {
        try {
            return block("CERTIFICATE", cert.getEncoded());
        } catch (CertificateException e) {
            throw new IllegalArgumentException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    public static String encode(Collection<X509Certificate> certs) {
        var sb = new StringBuilder();
        for (var c : certs) sb.append(encode(c));
        return sb.toString();
    }

    public static String encode(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) throw new IllegalArgumentException("not a PKCS#8 key: " + key.getFormat());
        return block("PRIVATE KEY", key.getEncoded());
    }

    private static String block(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private Pem() {}
}
