package io.shoal.pki;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.ArrayBlockingQueue;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A node's data encryption key (swarmkit's raft DEK): AES-256-GCM over everything this node writes
 * of the swarm to disk: a manager's Raft entries and snapshots, a worker's tasks. Each node has its
 * own; the key never leaves it ({@link NodeKeys} keeps it on disk). Sealed data is {@code nonce ‖ ciphertext ‖ tag}; the associated
 * data ties a ciphertext to its place (an entry's index, a task's id) so one cannot be swapped for
 * another.
 */
public final class DataKey {
    static final int KEY_BYTES = 32;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** What sealing adds to the plaintext's length. */
    public static final int OVERHEAD = NONCE_BYTES + TAG_BITS / 8;

    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * Ciphers to use again (each is initialised with its key and nonce before every use): a new one
     * looks its provider up, which was over half the cost of sealing a task or a Raft entry here.
     */
    private static final ArrayBlockingQueue<Cipher> CIPHERS = new ArrayBlockingQueue<>(64);

    private final SecretKey key;

    private DataKey(byte[] raw) {
        this.key = new SecretKeySpec(raw, "AES");
    }

    public static DataKey generate() {
        byte[] raw = new byte[KEY_BYTES];
        RANDOM.nextBytes(raw);
        return new DataKey(raw);
    }

    /** A key from its 32 bytes, as {@link NodeKeys} reads it or {@link UnlockKey} derives it. */
    static DataKey of(byte[] raw) {
        if (raw.length != KEY_BYTES) throw new IllegalArgumentException("a data key is " + KEY_BYTES + " bytes, not " + raw.length);
        return new DataKey(raw);
    }

    /** The key's bytes, for {@link NodeKeys} to write them (in clear or sealed). */
    byte[] bytes() {
        return key.getEncoded();
    }

    public byte[] seal(byte[] plaintext, byte[] associated) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = cipher();
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(associated);
            byte[] out = new byte[NONCE_BYTES + c.getOutputSize(plaintext.length)];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            c.doFinal(plaintext, 0, plaintext.length, out, NONCE_BYTES);
            CIPHERS.offer(c);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /** The plaintext of {@code sealed}; fails when it was sealed with another key or for another place, or was altered. */
    public byte[] open(byte[] sealed, byte[] associated) throws IOException {
        if (sealed.length < OVERHEAD) throw new IOException("sealed data too short");
        try {
            Cipher c = cipher();
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed, 0, NONCE_BYTES));
            c.updateAAD(associated);
            byte[] plain = c.doFinal(sealed, NONCE_BYTES, sealed.length - NONCE_BYTES);
            CIPHERS.offer(c);
            return plain;
        } catch (javax.crypto.AEADBadTagException e) {
            throw new IOException("cannot decrypt: wrong data key or damaged data");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot decrypt: " + e.getMessage(), e);
        }
    }

    private static Cipher cipher() throws GeneralSecurityException {
        Cipher c = CIPHERS.poll();
        return c != null ? c : Cipher.getInstance("AES/GCM/NoPadding");
    }

    /** Associated data naming a place: a purpose and an index. */
    public static byte[] indexBytes(String purpose, long index) {
        byte[] p = purpose.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(p.length + Long.BYTES).put(p).putLong(index).array();
    }
}
