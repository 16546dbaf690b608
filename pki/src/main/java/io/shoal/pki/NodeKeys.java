package io.shoal.pki;

import io.shoal.common.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * A node's secret material on disk and the unlock key that locks it (swarmkit's KeyReadWriter and
 * its KEK): the data key in {@value #FILE} and the TLS key in {@link NodeCertificates#FILE}, both
 * 0600 in the node's certificate directory. It is their one writer once the node is in a swarm.
 *
 * <p>Unlocked, both are in clear. Locked (autolock), the data key is sealed with the key
 * encryption key derived from the swarm's unlock key ({@link UnlockKey#kek()}), and the TLS key
 * with the data key: the unlock key opens the data key, which opens the rest. A change of unlock
 * key therefore rewrites one file, in one rename. Locking writes the TLS key sealed first (the
 * data key beside it still in clear opens it), then the data key sealed; unlocking writes the
 * data key in clear first, then the TLS key: a crash at any point leaves files that open with the
 * key of before or the key of after, never a mixture that neither opens.
 *
 * <p>{@value #FILE}: {@code "SDK1" ‖ kek version (8 bytes) ‖ sealed (1 byte) ‖ key}, the key in
 * clear (32 bytes) or sealed with the associated data of the header before it, so that the
 * version cannot be altered. A file of 32 bytes alone is a data key in clear at version 0. The
 * kek version is that of the cluster object in which the node saw the unlock key: an older
 * cluster (a manager replaying its Raft log) never overrides a newer key.
 */
public final class NodeKeys {
    public static final String FILE = "data.key";
    private static final byte[] MAGIC = "SDK1".getBytes(StandardCharsets.US_ASCII);
    private static final int HEADER = MAGIC.length + Long.BYTES + 1;

    private final Path dir;
    private final DataKey dataKey;
    /** The key the files are sealed with, null when they are in clear. */
    private UnlockKey unlockKey;
    private long kekVersion;

    private NodeKeys(Path dir, DataKey dataKey, UnlockKey unlockKey, long kekVersion) {
        this.dir = dir;
        this.dataKey = dataKey;
        this.unlockKey = unlockKey;
        this.kekVersion = kekVersion;
    }

    /** What {@value #FILE} holds. */
    record Stored(long version, boolean sealed, byte[] key) {
        static Stored read(Path file) throws IOException {
            byte[] b = Files.readAllBytes(file);
            if (b.length == DataKey.KEY_BYTES) return new Stored(0, false, b);
            if (b.length < HEADER || !Arrays.equals(b, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw new IOException("the data key in " + file + " is neither a key nor a sealed key");
            }
            ByteBuffer buf = ByteBuffer.wrap(b);
            buf.position(MAGIC.length);
            return new Stored(buf.getLong(), buf.get() != 0, Arrays.copyOfRange(b, HEADER, b.length));
        }

        byte[] header() {
            return ByteBuffer.allocate(HEADER).put(MAGIC).putLong(version).put((byte) (sealed ? 1 : 0)).array();
        }

        void write(Path file) throws IOException {
            byte[] h = header();
            byte[] all = Arrays.copyOf(h, h.length + key.length);
            System.arraycopy(key, 0, all, h.length, key.length);
            FileTrees.writeAtomically(file, all, PosixFilePermissions.fromString("rw-------"));
        }
    }

    /** Whether the node's data key in {@code dir} is sealed: the node stays locked until an unlock key opens it. */
    public static boolean locked(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        return Files.exists(file) && Stored.read(file).sealed();
    }

    /**
     * The node's keys in {@code dir}; a node without a data key gets a new one, sealed with
     * {@code unlockKey} if given. A sealed key needs the unlock key that sealed it: DENIED when it
     * is missing or another one; a key in clear ignores {@code unlockKey}.
     */
    public static NodeKeys open(Path dir, UnlockKey unlockKey) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            NodeKeys created = new NodeKeys(dir, DataKey.generate(), unlockKey, 0);
            created.writeDataKey();
            return created;
        }
        Stored stored = Stored.read(file);
        if (!stored.sealed()) {
            NodeKeys keys = new NodeKeys(dir, DataKey.of(stored.key()), null, stored.version());
            // An unlock that crashed between its two writes left the TLS key sealed: finish it.
            Path certs = dir.resolve(NodeCertificates.FILE);
            if (Files.exists(certs) && Files.readString(certs, StandardCharsets.US_ASCII).contains(NodeCertificates.SEALED_KEY)) {
                keys.certificates().orElseThrow().save(dir, null);
            }
            return keys;
        }
        if (unlockKey == null) throw PkiException.denied("the node's keys are locked");
        try {
            return new NodeKeys(dir, DataKey.of(unlockKey.kek().open(stored.key(), stored.header())), unlockKey, stored.version());
        } catch (IOException e) {
            throw PkiException.denied("the unlock key does not open this node's keys");
        }
    }

    /** The key that seals what the node writes of the swarm. */
    public DataKey dataKey() {
        return dataKey;
    }

    /** The unlock key the node's files are sealed with, or null when they are in clear. */
    public synchronized UnlockKey unlockKey() {
        return unlockKey;
    }

    /** The node's TLS key, chain and root, or empty before it has any. */
    public synchronized Optional<NodeCertificates> certificates() throws IOException {
        return NodeCertificates.load(dir, dataKey);
    }

    /** Writes the node's certificates, the key sealed if the node is locked. */
    public synchronized void save(NodeCertificates certs) throws IOException {
        certs.save(dir, unlockKey == null ? null : dataKey);
    }

    /**
     * Follows the swarm's unlock key as the cluster object at {@code version} has it (null: autolock
     * is off): rewrites the files for it, unless the files already have that key or were written
     * for a cluster object as new or newer. True when it rewrote them.
     */
    public synchronized boolean follow(UnlockKey key, long version) throws IOException {
        if (Objects.equals(unlockKey, key) || version <= kekVersion) return false;
        rekey(key, version);
        return true;
    }

    /**
     * A worker is never locked: the files in clear, whatever the swarm's unlock key. The version
     * starts again, so that once promoted the node follows the key its new store holds.
     */
    public synchronized void unlock() throws IOException {
        if (unlockKey != null) rekey(null, 0);
    }

    /**
     * Forgets which cluster object the key came from, for a new Raft group (a forced new cluster)
     * whose objects count their versions from the start again.
     */
    public synchronized void restartVersions() throws IOException {
        if (kekVersion == 0) return;
        kekVersion = 0;
        writeDataKey();
    }

    private void rekey(UnlockKey key, long version) throws IOException {
        Optional<NodeCertificates> certs = certificates();
        if (key != null && unlockKey == null && certs.isPresent()) certs.get().save(dir, dataKey);
        unlockKey = key;
        kekVersion = version;
        writeDataKey();
        if (key == null && certs.isPresent()) certs.get().save(dir, null);
    }

    private void writeDataKey() throws IOException {
        Stored header = new Stored(kekVersion, unlockKey != null, new byte[0]);
        byte[] key = unlockKey == null ? dataKey.bytes() : unlockKey.kek().seal(dataKey.bytes(), header.header());
        new Stored(kekVersion, unlockKey != null, key).write(dir.resolve(FILE));
    }
}
