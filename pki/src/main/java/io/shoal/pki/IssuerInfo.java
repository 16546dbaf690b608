package io.shoal.pki;

import java.security.cert.X509Certificate;
import java.util.Base64;

/**
 * Who issues node certificates, as the Engine API's {@code TLSInfo} says it (swarmkit's
 * {@code IssuerInfo}): the issuer's subject and public key (SubjectPublicKeyInfo), both DER in
 * base64, which is how Go's JSON writes their bytes. A certificate signed by a rotation's next root
 * and one signed by its cross-signed intermediate have the same issuer: same subject, same key.
 */
public record IssuerInfo(String subject, String publicKey) {
    public static IssuerInfo of(X509Certificate issuer) {
        Base64.Encoder b64 = Base64.getEncoder();
        return new IssuerInfo(b64.encodeToString(issuer.getSubjectX500Principal().getEncoded()),
                b64.encodeToString(issuer.getPublicKey().getEncoded()));
    }
}
