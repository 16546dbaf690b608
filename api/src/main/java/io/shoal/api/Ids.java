package io.shoal.api;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

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

    /**
     * The id of a task's container in Docker's form, 64 hex digits. It is derived from the task id,
     * so every node and every restart agrees on it without storing it, and it never equals a task
     * id (those are base 36): {@code docker inspect TASKID} finds no container and falls through to
     * the task, as with Docker.
     */
    public static String containerIdOf(String taskId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(("container:" + taskId).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
