package io.shoal.manager.role;

import io.shoal.api.NodeState;
import static io.shoal.manager.orchestrator.Harness.newNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Node;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuorumTest {
    private static Node down(String id) {
        return newNode(id).withStatus(new Node.Status(NodeState.DOWN, "heartbeat failure", null));
    }

    @Test
    void swarmkitsRuleForRemovingAMember() {
        List<Node> three = List.of(newNode("a"), newNode("b"), newNode("c"));
        assertTrue(Quorum.canRemove(three, 3, "a"), "two of two left");
        List<Node> oneDown = List.of(newNode("a"), newNode("b"), down("c"));
        assertFalse(Quorum.canRemove(oneDown, 3, "a"), "one reachable of two left");
        assertTrue(Quorum.canRemove(oneDown, 3, "c"), "removing the unreachable one is fine");
        assertTrue(Quorum.canRemove(List.of(newNode("a"), newNode("b")), 2, "b"), "one of one left");
        assertFalse(Quorum.canRemove(List.of(newNode("a"), newNode("b")), 3, "b"), "a member without a node counts as unreachable");
    }

    @Test
    void dockersRuleForLeaving() {
        assertFalse(Quorum.leavingLosesQuorum(3, 0));
        assertTrue(Quorum.leavingLosesQuorum(2, 0), "a manager that stops still counts in the group");
        assertTrue(Quorum.leavingLosesQuorum(3, 1));
        assertTrue(Quorum.leavingLosesQuorum(1, 0), "the last manager");
    }

    @Test
    void leadershipGoesToAReachableMember() {
        assertEquals(Optional.of("c"), Quorum.successor(List.of(newNode("a"), down("b"), newNode("c")), "a"));
        assertEquals(Optional.empty(), Quorum.successor(List.of(newNode("a"), down("b")), "a"));
    }
}
