package io.shoal.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeysTest {
    private static final byte[] PLAIN = "the swarm's state".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PLACE = DataKey.indexBytes("entry", 7);

    @TempDir
    Path dir;

    private final RootCa root = RootCa.create();

    private NodeCertificates certificates() {
        var req = NodeCertificates.Request.generate();
        var cert = root.sign(req.csrPem(), new NodeIdentity("n1", NodeRole.MANAGER, "c1"), null, List.of(), Instant.now());
        return NodeCertificates.of(req, new IssuedCertificate(List.of(cert), List.of(root.certificate())));
    }

    /** Whether any file under the directory holds these bytes, raw or as the base64 a PEM file would show. */
    private boolean onDisk(byte[] secret) throws IOException {
        byte[] b64 = Base64.getEncoder().encodeToString(secret).substring(0, 40).getBytes(StandardCharsets.US_ASCII);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] content = Files.readAllBytes(f);
                if (contains(content, secret) || contains(content, b64)) return true;
            }
        }
        return false;
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Test
    void aNewNodeGetsADataKeyInClearReadableByRootOnlyThatLoadsBack() throws IOException {
        NodeKeys keys = NodeKeys.open(dir, null);
        Path file = dir.resolve(NodeKeys.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left");
        }
        assertFalse(NodeKeys.locked(dir));
        byte[] sealed = keys.dataKey().seal(PLAIN, PLACE);
        assertArrayEquals(PLAIN, NodeKeys.open(dir, null).dataKey().open(sealed, PLACE));
    }

    @Test
    void aDataKeyFileOfTheFirstFormatStillLoads() throws IOException {
        DataKey key = DataKey.generate();
        Files.write(dir.resolve(NodeKeys.FILE), key.bytes());
        byte[] sealed = key.seal(PLAIN, PLACE);
        assertArrayEquals(PLAIN, NodeKeys.open(dir, null).dataKey().open(sealed, PLACE));
        Files.write(dir.resolve(NodeKeys.FILE), new byte[16]);
        assertThrows(IOException.class, () -> NodeKeys.open(dir, null));
    }

    @Test
    void lockedKeysHoldNothingInClearAndOpenOnlyWithTheirUnlockKey() throws IOException {
        NodeKeys keys = NodeKeys.open(dir, null);
        NodeCertificates certs = certificates();
        keys.save(certs);
        byte[] dataKey = keys.dataKey().bytes();
        byte[] tlsKey = certs.tls().key().getEncoded();
        assertTrue(onDisk(dataKey) && onDisk(tlsKey), "in clear before locking (else this test proves nothing)");

        UnlockKey unlock = UnlockKey.generate();
        assertTrue(keys.follow(unlock, 5));
        assertTrue(NodeKeys.locked(dir));
        assertFalse(onDisk(dataKey), "the data key is on disk in clear");
        assertFalse(onDisk(tlsKey), "the TLS key is on disk in clear");

        var refused = assertThrows(PkiException.class, () -> NodeKeys.open(dir, null));
        assertEquals(PkiException.Kind.DENIED, refused.kind());
        assertThrows(PkiException.class, () -> NodeKeys.open(dir, UnlockKey.generate()));
        NodeKeys opened = NodeKeys.open(dir, unlock);
        assertArrayEquals(dataKey, opened.dataKey().bytes());
        assertEquals(certs.tls(), opened.certificates().orElseThrow().tls());
        // A renewal on a locked node writes its new key sealed.
        NodeCertificates renewed = certificates();
        opened.save(renewed);
        assertFalse(onDisk(renewed.tls().key().getEncoded()));
        assertEquals(renewed.tls(), NodeKeys.open(dir, unlock).certificates().orElseThrow().tls());
    }

    @Test
    void followsNewerKeysOnlyAndUnlocksBackToClear() throws IOException {
        NodeKeys keys = NodeKeys.open(dir, UnlockKey.generate());
        keys.save(certificates());
        UnlockKey first = keys.unlockKey();
        assertTrue(NodeKeys.locked(dir));
        assertFalse(keys.follow(first, 9), "the same key is not written again");

        UnlockKey second = UnlockKey.generate();
        assertTrue(keys.follow(second, 10));
        assertThrows(PkiException.class, () -> NodeKeys.open(dir, first));
        NodeKeys.open(dir, second);
        // A cluster object older than the one the key came from (a log replayed) changes nothing.
        assertFalse(keys.follow(first, 8));
        assertFalse(keys.follow(null, 10));
        NodeKeys.open(dir, second);

        assertTrue(keys.follow(null, 11));
        assertFalse(NodeKeys.locked(dir));
        assertNull(NodeKeys.open(dir, null).unlockKey());
        assertTrue(onDisk(keys.dataKey().bytes()));
        assertTrue(onDisk(keys.certificates().orElseThrow().tls().key().getEncoded()));

        // A forced new cluster counts versions from the start again: a key at version 2 is taken.
        keys.restartVersions();
        assertTrue(keys.follow(first, 2));
        NodeKeys.open(dir, first);
        assertTrue(keys.follow(second, 30));
        keys.unlock();
        assertFalse(NodeKeys.locked(dir));
        // Demoted then promoted, the node follows the cluster's key, whatever version it had seen.
        assertTrue(keys.follow(second, 30));
        NodeKeys.open(dir, second);
    }

    @Test
    void anUnlockCutShortBetweenItsTwoWritesIsFinishedOnOpen() throws IOException {
        NodeKeys keys = NodeKeys.open(dir, UnlockKey.generate());
        NodeCertificates certs = certificates();
        keys.save(certs);
        // The state between the two writes of an unlock: the data key in clear, the TLS key still sealed.
        new NodeKeys.Stored(3, false, keys.dataKey().bytes()).write(dir.resolve(NodeKeys.FILE));
        assertFalse(onDisk(certs.tls().key().getEncoded()));
        NodeKeys opened = NodeKeys.open(dir, null);
        assertEquals(certs.tls(), opened.certificates().orElseThrow().tls());
        assertTrue(onDisk(certs.tls().key().getEncoded()));
        assertEquals(certs.tls(), NodeCertificates.load(dir).orElseThrow().tls());
    }

    @Test
    void unlockKeysReadAsDockerPrintsThem() {
        UnlockKey key = UnlockKey.generate();
        String text = key.value();
        assertTrue(text.matches("SWMKEY-1-[A-Za-z0-9+/]{43}"), text);
        assertEquals(key, UnlockKey.parse(text));
        assertEquals(key, UnlockKey.parse(text + "="));
        assertNotEquals(key, UnlockKey.generate());
        assertFalse(key.toString().contains(text.substring(9)), "toString shows the key");
        for (String bad : new String[] {"", "SWMKEY-1-", "SWMKEY-1-!!!", "SWMTKN-1-" + text.substring(9), "SWMKEY-1-AAAA"}) {
            var e = assertThrows(PkiException.class, () -> UnlockKey.parse(bad));
            assertEquals("invalid key string", e.getMessage());
        }
    }
}
