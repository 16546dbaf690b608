package io.shoal.manager.control;

import java.math.BigInteger;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Join tokens in swarmkit's form, {@code SWMTKN-1-<digest of the root CA, base 36, 50 chars>-<random
 * secret, base 36, 25 chars>}: the digest lets a joining node check it talks to the right swarm,
 * the secret proves it may join.
 */
public final class JoinTokens {
    private static final SecureRandom RANDOM = new SecureRandom();

    private JoinTokens() {}

    public static String generate(byte[] rootCa) {
        return "SWMTKN-1-" + base36(sha256(rootCa), 50) + "-" + secret();
    }

    /** The same swarm, a new secret: the old token stops working. */
    static String rotate(String token) {
        return token.substring(0, token.lastIndexOf('-') + 1) + secret();
    }

    private static String secret() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return base36(b, 25);
    }

    private static String base36(byte[] b, int width) {
        String s = new BigInteger(1, b).toString(36);
        return "0".repeat(Math.max(0, width - s.length())) + s;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
