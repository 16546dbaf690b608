package io.shoal.daemon.swarm;

import io.shoal.api.ApiException;
import io.shoal.api.Node;
import io.shoal.manager.role.Quorum;
import java.util.List;

/** Docker's words when a swarm request does not fit the node's membership (moby's daemon/cluster errors). */
final class Refusals {
    private Refusals() {}

    static ApiException notAManagerOutsideASwarm() {
        return ApiException.unavailable("This node is not a swarm manager. Use \"docker swarm init\" or "
                + "\"docker swarm join\" to connect this node to swarm and try again.");
    }

    static ApiException notAManager() {
        return ApiException.unavailable("This node is not a swarm manager. Worker nodes can't be used to view or "
                + "modify cluster state. Please run this command on a manager node or promote the current node to a manager.");
    }

    static ApiException alreadyInASwarm() {
        return ApiException.unavailable("This node is already part of a swarm. Use \"docker swarm leave\" to "
                + "leave this swarm and join another one.");
    }

    static ApiException locked() {
        return ApiException.unavailable(Membership.Locked.ERROR);
    }

    static ApiException lockedLeaving() {
        return ApiException.unavailable("Swarm is encrypted and locked. Please unlock it first or use `--force` to ignore this message.");
    }

    static ApiException notLocked() {
        return ApiException.conflict("swarm is not locked");
    }

    static ApiException invalidUnlockKey() {
        return new ApiException(401, "swarm could not be unlocked: invalid key provided");
    }

    static ApiException notInASwarm() {
        return ApiException.unavailable("This node is not part of a swarm");
    }

    /**
     * A manager leaving without --force (moby's Cluster.Leave), with its quorum arithmetic.
     *
     * @param members the nodes of the managers' Raft group
     */
    static ApiException managerLeaving(List<Node> members) {
        String msg = "You are attempting to leave the swarm on a node that is participating as a manager. ";
        long reachable = members.stream().filter(Quorum::isReachable).count();
        long unreachable = members.size() - reachable;
        if (Quorum.leavingLosesQuorum(reachable, unreachable)) {
            if (reachable == 1 && unreachable == 0) {
                return ApiException.unavailable(msg + "Removing the last manager erases all current state of the swarm. "
                        + "Use `--force` to ignore this message.");
            }
            msg += "Removing this node leaves %d managers out of %d. Without a Raft quorum your swarm will be inaccessible. "
                    .formatted(reachable - 1, reachable + unreachable);
        }
        return ApiException.unavailable(msg + "The only way to restore a swarm that has lost consensus is to reinitialize it with "
                + "`--force-new-cluster`. Use `--force` to suppress this message.");
    }
}
