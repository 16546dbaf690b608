package io.shoal.pki;

import io.shoal.pki.NodeRole;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JoinTokenTest {
    private final RootCa root = RootCa.create();

    @Test
    void hasSwarmkitsFormWithTheRootDigestInBase36() {
        JoinToken t = JoinToken.generate(root);
        assertTrue(t.value().matches("SWMTKN-1-[0-9a-z]{50}-[0-9a-z]{25}"), t.value());
        String expected = new BigInteger(1, root.digest()).toString(36);
        assertEquals("0".repeat(50 - expected.length()) + expected, t.digest());
        assertArrayEquals(root.digest(), t.rootDigest());
        assertTrue(t.matches(root));
        t.checkRootCa(root);
    }

    @Test
    void parsesWhatItPrints() {
        JoinToken t = JoinToken.generate(root);
        assertEquals(t, JoinToken.parse(t.value()));
        assertEquals(t, JoinToken.parse("  " + t.value() + "\n"));
    }

    @Test
    void aRealDockerTokenParses() {
        // from a Docker 17.05 `docker swarm inspect` output
        JoinToken t = JoinToken.parse("SWMTKN-1-1h8aps2yszaiqmz2l3oc5392pgk8e49qhx2aj3nyv0ui0hez2a-6qmn92w6bu3jdvnglku58u11a");
        assertEquals("6qmn92w6bu3jdvnglku58u11a", t.secret());
        assertEquals(32, t.rootDigest().length);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "SWMTKN", "SWMTKN-1-abc-def", "SWMTKN-2-1-1h8aps2yszaiqmz2l3oc5392pgk8e49qhx2aj3nyv0ui0hez2a-6qmn92w6bu3jdvnglku58u11a",
        "SWMTKN-1-1h8aps2yszaiqmz2l3oc5392pgk8e49qhx2aj3nyv0ui0hez2a-6qmn92w6bu3jdvnglku58u11", // short secret
        "SWMTKN-1-1H8APS2YSZAIQMZ2L3OC5392PGK8E49QHX2AJ3NYV0UI0HEZ2A-6qmn92w6bu3jdvnglku58u11a", // upper case
        "SWMTKN-1-zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-6qmn92w6bu3jdvnglku58u11a", // > 256 bits
        "SWMTKN-1-1h8aps2yszaiqmz2l3oc5392pgk8e49qhx2aj3nyv0ui0hez2a-6qmn92w6bu3jdvnglku58u11a-x",
        "XXXXXX-1-1h8aps2yszaiqmz2l3oc5392pgk8e49qhx2aj3nyv0ui0hez2a-6qmn92w6bu3jdvnglku58u11a"})
    void malformedTokensAreRefusedClearly(String token) {
        var e = assertThrows(PkiException.class, () -> JoinToken.parse(token));
        assertEquals("invalid join token", e.getMessage());
        assertEquals(PkiException.Kind.INVALID, e.kind());
    }

    @Test
    void anotherSwarmsCaIsRefused() {
        JoinToken t = JoinToken.generate(root);
        RootCa other = RootCa.create();
        assertFalse(t.matches(other));
        var e = assertThrows(PkiException.class, () -> t.checkRootCa(other));
        assertEquals("remote CA does not match fingerprint. Expected: " + HexFormat.of().formatHex(root.digest()), e.getMessage());
    }

    @Test
    void rotationKeepsTheDigestAndRefusesTheOldSecret() {
        ClusterJoinTokens tokens = ClusterJoinTokens.generate(root);
        assertNotEquals(tokens.worker(), tokens.manager());
        String oldWorker = tokens.worker().value();
        ClusterJoinTokens rotated = new ClusterJoinTokens(tokens.worker().rotate(), tokens.manager());

        assertEquals(tokens.worker().digest(), rotated.worker().digest());
        assertNotEquals(tokens.worker().secret(), rotated.worker().secret());

        var e = assertThrows(PkiException.class, () -> rotated.roleFor(oldWorker));
        assertEquals("A valid join token is necessary to join this cluster", e.getMessage());
        assertEquals(NodeRole.WORKER, rotated.roleFor(rotated.worker().value()));
        assertEquals(NodeRole.MANAGER, rotated.roleFor(rotated.manager().value()));
        assertThrows(PkiException.class, () -> new ClusterJoinTokens(rotated.worker(), rotated.manager().rotate())
                .roleFor(tokens.manager().value()));
    }

    @Test
    void tokensOfAnotherSwarmOrNoneAtAllGiveNoRole() {
        ClusterJoinTokens tokens = ClusterJoinTokens.generate(root);
        ClusterJoinTokens other = ClusterJoinTokens.generate(RootCa.create());
        assertThrows(PkiException.class, () -> tokens.roleFor(other.manager().value()));
        assertThrows(PkiException.class, () -> tokens.roleFor(null));
        assertThrows(PkiException.class, () -> tokens.roleFor(""));
        assertThrows(PkiException.class, () -> tokens.roleFor("garbage"));
    }

    @Test
    void toStringKeepsTheSecretOutOfLogs() {
        JoinToken t = JoinToken.generate(root);
        assertFalse(t.toString().contains(t.secret()));
        assertFalse(ClusterJoinTokens.generate(root).toString().contains(t.secret()));
    }
}
