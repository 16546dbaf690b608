package io.shoal.common.wireguard;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.KeyAgreement;

/**
 * A WireGuard key: 32 raw bytes, written in base64 as {@code wg} shows them and in hex on the
 * configuration socket. A private key is a Curve25519 scalar, its public key the scalar times the
 * curve's base point, a preshared key 32 random bytes. Made with the JDK's X25519, no process.
 */
public final class Key {
    private static final int LENGTH = 32;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** X25519's base point, u = 9: the agreement of a private key with it is the public key. */
    private static final BigInteger BASE_POINT = BigInteger.valueOf(9);

    private final byte[] bytes;

    private Key(byte[] bytes) {
        if (bytes.length != LENGTH) throw new IllegalArgumentException("a WireGuard key is 32 bytes, not " + bytes.length);
        this.bytes = bytes.clone();
    }

    /** A new private key, clamped as {@code wg genkey} makes it. */
    public static Key generatePrivate() {
        byte[] k = random();
        k[0] &= (byte) 248;
        k[31] &= 127;
        k[31] |= 64;
        return new Key(k);
    }

    /** A new preshared key ({@code wg genpsk}). */
    public static Key generatePreshared() {
        return new Key(random());
    }

    /** The key written in base64, as {@code wg} prints it. */
    public static Key parse(String base64) {
        try {
            return new Key(Base64.getDecoder().decode(base64.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid WireGuard key: " + e.getMessage(), e);
        }
    }

    public static Key fromHex(String hex) {
        return new Key(HexFormat.of().parseHex(hex));
    }

    /** This private key's public key ({@code wg pubkey}). */
    public Key publicKey() {
        try {
            KeyFactory factory = KeyFactory.getInstance("X25519");
            KeyAgreement agreement = KeyAgreement.getInstance("X25519");
            agreement.init(factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, bytes)));
            agreement.doPhase(factory.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, BASE_POINT)), true);
            return new Key(agreement.generateSecret());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is part of every JDK", e);
        }
    }

    public String base64() {
        return Base64.getEncoder().encodeToString(bytes);
    }

    public String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Never the key itself: keys reach logs and exception messages through the records that hold them. */
    @Override
    public String toString() {
        return "(hidden)";
    }

    private static byte[] random() {
        byte[] k = new byte[LENGTH];
        RANDOM.nextBytes(k);
        return k;
    }
}
