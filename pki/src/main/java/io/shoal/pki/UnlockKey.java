package io.shoal.pki;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.KDF;
import javax.crypto.spec.HKDFParameterSpec;

/**
 * The swarm's unlock key (autolock): 32 random bytes, shown to the operator as
 * {@code SWMKEY-1-<base64, unpadded>} as Docker shows it, kept in the cluster object. A locked
 * manager's data key is sealed with a key encryption key derived from it ({@link #kek()}).
 * Compared in constant time; {@code toString()} hides it.
 */
public final class UnlockKey {
    private static final String PREFIX = "SWMKEY-1-";
    private static final int BYTES = 32;
    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** HKDF's info: a key derived for sealing a node's data key serves nothing else. */
    private static final byte[] KEK_INFO = "shoal autolock: data key encryption".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final byte[] bytes;

    private UnlockKey(byte[] bytes) {
        this.bytes = bytes;
    }

    public static UnlockKey generate() {
        byte[] b = new byte[BYTES];
        RANDOM.nextBytes(b);
        return new UnlockKey(b);
    }

    /** The key as the operator types it; Docker's "invalid key string" when it is not one. */
    public static UnlockKey parse(String text) {
        if (text == null || !text.startsWith(PREFIX)) throw PkiException.invalid("invalid key string");
        byte[] b;
        try {
            // Docker prints it unpadded; a padded copy is the same key.
            b = Base64.getDecoder().decode(text.substring(PREFIX.length()).strip());
        } catch (IllegalArgumentException e) {
            throw PkiException.invalid("invalid key string");
        }
        if (b.length != BYTES) throw PkiException.invalid("invalid key string");
        return new UnlockKey(b);
    }

    public String value() {
        return PREFIX + ENCODER.encodeToString(bytes);
    }

    /**
     * The key encryption key: HKDF-SHA256 of the unlock key's bytes (no salt: they are uniformly
     * random already) to an AES-256-GCM key, so that the bytes the operator holds are never used
     * as a cipher key themselves.
     */
    DataKey kek() {
        try {
            var spec = HKDFParameterSpec.ofExtract().addIKM(bytes).thenExpand(KEK_INFO, BYTES);
            return DataKey.of(KDF.getInstance("HKDF-SHA256").deriveData(spec));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HKDF-SHA256 is not available: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnlockKey k && MessageDigest.isEqual(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
        return 0; // never a map key; equal keys must still hash alike
    }

    @Override
    public String toString() {
        return PREFIX + "…";
    }
}
