package io.shoal.manager.role;

import io.shoal.pki.NodeRole;
import io.shoal.api.Reachability;
import io.shoal.api.NodeState;
import io.shoal.api.NodeAvailability;
import static io.shoal.manager.orchestrator.Harness.newNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shoal.api.Node;
import io.shoal.manager.orchestrator.Harness;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RoleManagerTest {
    private final Harness h = new Harness();
    private final FakeRaft raft = new FakeRaft("m1");
    /** Passes are run by the test itself ({@code reconcile()}), so each step is deterministic. */
    private final RoleManager roles = new RoleManager(h.store, h.clock, h.ticker, raft);

    /** The group as the role manager sees it: members, and what it asked of them. */
    static final class FakeRaft implements RaftMembers {
        final Set<String> members = ConcurrentHashMap.newKeySet();
        final List<String> transfers = new CopyOnWriteArrayList<>();
        private final String self;

        FakeRaft(String self) {
            this.self = self;
        }

        @Override
        public Set<String> members() {
            return Set.copyOf(members);
        }

        @Override
        public String self() {
            return self;
        }

        @Override
        public void remove(String memberId) {
            members.remove(memberId);
        }

        @Override
        public void transferLeadership(String memberId, Duration timeout) {
            transfers.add(memberId);
        }
    }

    @BeforeEach
    void threeManagersAndAWorker() {
        for (String id : List.of("m1", "m2", "m3")) {
            h.addNode(newNode(id).withSpec(new Node.Spec(id, null, NodeRole.MANAGER, NodeAvailability.ACTIVE))
                    .withManagerStatus(new Node.ManagerStatus(false, Reachability.REACHABLE, id + ":2377")));
            raft.members.add(id);
        }
        h.addNode(newNode("w1"));
    }

    @AfterEach
    void close() throws Exception {
        h.close();
    }

    private void demote(String id) {
        Node n = h.node(id);
        h.update(n.withSpec(new Node.Spec(id, null, NodeRole.WORKER, NodeAvailability.ACTIVE)));
    }

    @Test
    void aDemotedManagerLeavesTheGroupThenIsCertifiedAsWorker() {
        demote("m2");
        assertEquals(NodeRole.MANAGER, h.node("m2").certifiedRole(), "still a member");
        roles.reconcile();
        assertNull(h.node("m2").managerStatus(), "out of the group: no ManagerStatus");
        assertEquals(Set.of("m1", "m3"), raft.members());
        assertEquals(NodeRole.WORKER, h.node("m2").certifiedRole());
        assertNotNull(h.node("m3").managerStatus());
    }

    @Test
    void aDemotedLeaderHandsLeadershipOverAndStaysAMemberMeanwhile() {
        demote("m1");
        roles.reconcile();
        assertEquals(1, raft.transfers.size());
        assertTrue(Set.of("m2", "m3").contains(raft.transfers.getFirst()), "to another member");
        assertTrue(raft.members().contains("m1"), "the next leader removes it");
    }

    @Test
    void noRemovalThatWouldLoseTheQuorum() {
        h.setNodeState("m3", NodeState.DOWN);
        demote("m2");
        roles.reconcile();
        assertEquals(Set.of("m1", "m2", "m3"), raft.members());
        assertNotNull(h.node("m2").managerStatus());
        h.setNodeState("m3", NodeState.READY);
        roles.reconcile();
        assertEquals(Set.of("m1", "m3"), raft.members(), "removed once m3 is back");
    }

    @Test
    void aMemberWhoseNodeWasRemovedIsEvicted() {
        h.removeNode("m3");
        roles.reconcile();
        assertEquals(Set.of("m1", "m2"), raft.members());
    }
}
