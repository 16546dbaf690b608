package io.shoal.rpc;

import io.shoal.pki.NodeIdentity;
import io.shoal.pki.TlsSource;

/** What the leader does when a manager asks to join the Raft group. Refusals are {@link io.shoal.api.ApiException}s. */
public interface RaftMembership {
    void join(NodeIdentity manager, String raftAddress, String clusterAddress);

    /** Asks the manager at {@code target} to add this manager (the owner of {@code tls}) to the Raft group. */
    static void request(String target, TlsSource tls, String raftAddress, String clusterAddress) {
        MembershipService.join(target, tls, raftAddress, clusterAddress);
    }
}
