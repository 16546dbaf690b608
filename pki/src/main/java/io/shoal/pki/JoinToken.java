package io.shoal.pki;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A join token in swarmkit's form, {@code SWMTKN-1-<digest>-<secret>}: the digest (SHA-256 of the
 * root CA certificate, base 36, 50 characters) lets a joining node check that it talks to the right
 * swarm before trusting it; the secret (16 random bytes, base 36, 25 characters) proves it may join.
 *
 * <p>{@link #toString()} hides the secret so a token can be logged; {@link #value()} is the token.
 */
public record JoinToken(String digest, String secret) {
    private static final String PREFIX = "SWMTKN-1-";
    private static final int DIGEST_CHARS = 50;   // ceil(log36(2^256))
    private static final int SECRET_CHARS = 25;   // ceil(log36(2^128))
    private static final int SECRET_BYTES = 16;
    private static final Pattern BASE36 = Pattern.compile("[0-9a-z]+");
    private static final SecureRandom RANDOM = new SecureRandom();

    public JoinToken {
        if (!wellFormed(digest, DIGEST_CHARS, 256) || !wellFormed(secret, SECRET_CHARS, 128)) throw invalid();
    }

    /** A new token for the swarm whose root is {@code root}, with a fresh secret. */
    public static JoinToken generate(RootCa root) {
        return new JoinToken(base36(root.digest(), DIGEST_CHARS), newSecret());
    }

    /** Parses a token; anything not in swarmkit's v1 form is refused with "invalid join token". */
    public static JoinToken parse(String token) {
        if (token == null) throw invalid();
        String t = token.strip();
        if (!t.startsWith(PREFIX)) throw invalid();
        String[] parts = t.substring(PREFIX.length()).split("-", -1);
        if (parts.length != 2) throw invalid();
        return new JoinToken(parts[0], parts[1]);
    }

    /** The same swarm, a new secret: the old token stops working once the cluster keeps this one. */
    public JoinToken rotate() {
        return new JoinToken(digest, newSecret());
    }

    /** The token as users pass it to {@code docker swarm join --token}. */
    public String value() {
        return PREFIX + digest + "-" + secret;
    }

    /** The SHA-256 digest of the root CA certificate the token names. */
    public byte[] rootDigest() {
        byte[] b = new BigInteger(digest, 36).toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, out, 32 - n, n);
        return out;
    }

    public boolean matches(RootCa root) {
        return MessageDigest.isEqual(rootDigest(), root.digest());
    }

    /**
     * What a joining node checks of the CA certificate a manager sent it before trusting it;
     * refused with swarmkit's message when it is not the swarm the token was made for.
     */
    public void checkRootCa(RootCa root) {
        if (!matches(root)) {
            throw PkiException.invalid("remote CA does not match fingerprint. Expected: %s",
                    HexFormat.of().formatHex(rootDigest()));
        }
    }

    /** Constant-time comparison of the whole token with a presented string. */
    public boolean accepts(String presented) {
        if (presented == null) return false;
        return MessageDigest.isEqual(value().getBytes(StandardCharsets.US_ASCII),
                presented.strip().getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return PREFIX + digest + "-<secret>";
    }

    private static String newSecret() {
        byte[] b = new byte[SECRET_BYTES];
        RANDOM.nextBytes(b);
        return base36(b, SECRET_CHARS);
    }

    private static String base36(byte[] b, int width) {
        String s = new BigInteger(1, b).toString(36);
        return "0".repeat(width - s.length()) + s;
    }

    private static boolean wellFormed(String s, int chars, int maxBits) {
        return s != null && s.length() == chars && BASE36.matcher(s).matches()
                && new BigInteger(s, 36).bitLength() <= maxBits;
    }

    private static PkiException invalid() {
        return PkiException.invalid("invalid join token");
    }
}
