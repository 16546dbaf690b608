package io.shoal.manager.role;

import io.shoal.api.Node;
import java.util.Collection;
import java.util.Optional;

/**
 * Whether the managers' Raft group keeps its quorum without one member. A member counts as
 * reachable unless its node is down: the dispatcher's heartbeats are our view of which managers
 * are alive, and {@code docker node ls} shows the same (swarmkit asks its Raft transport instead).
 */
public final class Quorum {
    private Quorum() {}

    public static boolean isReachable(Node n) {
        return !n.isDown();
    }

    /**
     * Swarmkit's CanRemoveMember: after removing {@code memberId}, the reachable members left
     * still make a majority of the smaller group.
     *
     * @param members   the nodes of the group's members (a member whose node is gone is unreachable)
     * @param groupSize how many members the group has
     */
    public static boolean canRemove(Collection<Node> members, int groupSize, String memberId) {
        long reachable = members.stream().filter(n -> !n.id().equals(memberId)).filter(Quorum::isReachable).count();
        return reachable >= (groupSize - 1) / 2 + 1;
    }

    /** A reachable member to hand leadership to when {@code leaving} leads. */
    public static Optional<String> successor(Collection<Node> members, String leaving) {
        return members.stream().filter(n -> !n.id().equals(leaving)).filter(Quorum::isReachable).map(Node::id).findFirst();
    }

    /**
     * Docker's rule for a manager that leaves by itself (moby's removingManagerCausesLossOfQuorum):
     * stricter than {@link #canRemove}, because a manager that stops without being removed from
     * the group still counts in it.
     */
    public static boolean leavingLosesQuorum(long reachable, long unreachable) {
        return reachable - 2 <= unreachable;
    }
}
