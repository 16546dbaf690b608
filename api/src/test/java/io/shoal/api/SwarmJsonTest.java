package io.shoal.api;

import static io.shoal.api.GoldenJson.assertRoundTrip;
import static io.shoal.api.GoldenJson.assertWrites;
import static io.shoal.api.GoldenJson.read;
import static io.shoal.api.GoldenJson.resource;
import static io.shoal.api.GoldenJson.tree;
import static io.shoal.api.GoldenJson.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * The cluster as {@code GET /swarm} returns it ({@link Cluster#withoutSecrets()}), and as the store
 * keeps it. The document's CA has been rotated once (ForceRotate 1): a zero is written today where
 * Docker leaves it out (see {@link #aCaConfigWithoutForceRotateHasNone()}).
 */
class SwarmJsonTest {

    /** The stored cluster: the swarm as dockerd returns it, plus the root CA with its key. */
    static String stored() {
        ObjectNode c = (ObjectNode) tree(resource("swarm.json"));
        c.putObject("RootCA").put("CertPem", "-----BEGIN CERTIFICATE-----").put("KeyPem", "-----BEGIN EC PRIVATE KEY-----");
        return c.toString();
    }

    @Test
    void theSwarmWritesAsDockerdReturnsIt() {
        Cluster stored = read(stored(), Cluster.class);
        assertWrites(resource("swarm.json"), stored.withoutSecrets());
        assertEquals("abajmipo7b4xz5ip2nrla6b11", stored.id());
    }

    /** The store keeps the CA's key in the cluster object; the API never shows it. */
    @Test
    void theRootCaIsKeptInTheStoreAndNeverShown() {
        assertRoundTrip(stored(), Cluster.class);
        Cluster stored = read(stored(), Cluster.class);
        assertTrue(written(stored).has("RootCA"));
        assertFalse(written(stored.withoutSecrets()).has("RootCA"));
    }

    /** {@code docker swarm init --autolock=false} and {@code docker info} read AutoLockManagers: false must be there. */
    @Test
    void autoLockManagersIsWrittenWhenFalse() {
        assertEquals("false", written(read(resource("swarm.json"), Cluster.class))
                .get("Spec").get("EncryptionConfig").get("AutoLockManagers").toString());
    }

    @Test
    void aCaConfigWithoutForceRotateHasNone() {
        assertRoundTrip("""
                {"ID":"c1","Spec":{"CAConfig":{"NodeCertExpiry":7776000000000000}},
                 "RootRotationInProgress":false,"DataPathPort":4789,"SubnetSize":24}""", Cluster.class);
    }
}
