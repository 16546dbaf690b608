package io.shoal.api;

import java.math.BigInteger;
import java.security.SecureRandom;

/** Object ids in swarmkit's form: 128 random bits written in base 36, 25 characters. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    public static String newId() {
        byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        String s = new BigInteger(1, b).toString(36);
        return "0".repeat(25 - s.length()) + s;
    }
}
