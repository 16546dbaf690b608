package io.shoal.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MutableTlsTest {
    private final TestSwarm swarm = new TestSwarm("cluster1");

    @Test
    void renewalSwapsTheMaterialButKeepsTheNode() {
        MutableTls tls = new MutableTls(swarm.node("node-a", NodeRole.WORKER));
        TlsMaterial renewed = swarm.node("node-a", NodeRole.WORKER);
        tls.update(renewed);
        assertEquals(renewed, tls.current());
        assertThrows(IllegalArgumentException.class, () -> tls.update(swarm.node("node-b", NodeRole.WORKER)));
        assertEquals(renewed, tls.current());
    }

    @Test
    void aRootRotationChangesTheTrustRoots() {
        MutableTls tls = new MutableTls(swarm.node("node-a", NodeRole.WORKER));
        TlsMaterial rotated = new TestSwarm("cluster1").node("node-a", NodeRole.WORKER);
        tls.update(rotated);
        assertEquals(rotated.trustRoots(), tls.current().trustRoots());
    }
}
