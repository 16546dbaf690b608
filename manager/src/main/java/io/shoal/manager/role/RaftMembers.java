package io.shoal.manager.role;

import java.io.IOException;
import java.time.Duration;
import java.util.Set;

/** What the role manager needs of the managers' Raft group (the daemon's Raft member provides it). */
public interface RaftMembers {
    /** The members (node ids) of the group's current configuration. */
    Set<String> members();

    /** This manager's own member id (its node id). */
    String self();

    void remove(String memberId) throws IOException;

    void transferLeadership(String memberId, Duration timeout) throws IOException;
}
