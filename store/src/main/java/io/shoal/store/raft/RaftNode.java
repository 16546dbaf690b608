package io.shoal.store.raft;

import io.shoal.api.ApiException;
import io.shoal.store.Batch;
import io.shoal.store.MemoryStore;
import io.shoal.store.Proposer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * This manager's member of the swarm's Raft group (Apache Ratis): the durable, replicated log
 * whose state machine is the {@link MemoryStore}. Proposals go through a Ratis client, which
 * finds the leader by itself.
 */
public final class RaftNode implements Proposer, AutoCloseable {
    /** How a member starts: the first of a new swarm, a new member the leader will add, or one resuming from disk. */
    public enum Start { BOOTSTRAP, JOIN, RESUME }

    private final RaftServer server;
    private final RaftClient client;
    private final RaftGroupId groupId;
    private final RaftPeer self;

    /**
     * @param dir        where the log and snapshots live
     * @param memberId   this manager's Raft member id (the node id)
     * @param address    host:port the Raft transport listens on and peers reach
     * @param clusterId  the swarm's id; the group id is derived from it
     * @param leadership told true when this member becomes a leader ready to write, false when it stops being one
     */
    public RaftNode(Path dir, String memberId, String address, String clusterId, MemoryStore memory,
                    Consumer<Boolean> leadership, Start start) throws IOException {
        Files.createDirectories(dir);
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(dir.toFile()));
        GrpcConfigKeys.Server.setPort(props, port(address));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, 10_000);
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("8MB"));
        // Swarmkit waits ~10 s before electing; we aim for failover within 2 s.
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
        // Without a quorum a write must fail fast rather than hang: give up after about 5 s.
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(2, TimeUnit.SECONDS));
        self = RaftPeer.newBuilder().setId(memberId).setAddress(address).build();
        groupId = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(clusterId.getBytes(StandardCharsets.UTF_8)));
        // A joining member starts with no peers and learns the configuration from the leader that adds it.
        RaftGroup group = start == Start.JOIN ? RaftGroup.valueOf(groupId) : RaftGroup.valueOf(groupId, self);
        server = RaftServer.newBuilder()
                .setServerId(self.getId())
                .setStateMachine(new StoreStateMachine(memory, leadership))
                .setProperties(props)
                .setGroup(group)
                .setOption(start == Start.RESUME ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        client = RaftClient.newBuilder().setProperties(props).setRaftGroup(RaftGroup.valueOf(groupId, self))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(25,
                        TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build();
    }

    /** Whether {@code dir} holds this swarm's Raft state, so the member resumes rather than starts anew. */
    public static boolean hasState(Path dir, String clusterId) {
        UUID uuid = UUID.nameUUIDFromBytes(clusterId.getBytes(StandardCharsets.UTF_8));
        return Files.exists(dir.resolve(uuid.toString()));
    }

    @Override
    public CompletableFuture<Long> propose(Batch batch) {
        return client.async().send(Message.valueOf(ByteString.copyFrom(batch.encode())))
                .thenApply(RaftNode::verdict);
    }

    private static long verdict(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            throw ApiException.unavailable("write not committed: "
                    + (reply.getException() == null ? "unknown reason" : reply.getException().getMessage()));
        }
        String s = StoreStateMachine.decodeReply(reply.getMessage());
        if (s.startsWith("ERR ")) {
            int sp = s.indexOf(' ', 4);
            throw new ApiException(Integer.parseInt(s.substring(4, sp)), s.substring(sp + 1));
        }
        return reply.getLogIndex();
    }

    /** The members of the group as this member last committed them: id → address. */
    public Map<String, String> members() {
        Map<String, String> out = new LinkedHashMap<>();
        for (RaftPeer p : division().getRaftConf().getCurrentPeers()) out.put(p.getId().toString(), p.getAddress());
        return out;
    }

    /** The member this one believes leads, or null. */
    public String leaderId() {
        RaftPeerId id = division().getInfo().getLeaderId();
        return id == null ? null : id.toString();
    }

    public boolean isLeader() {
        return division().getInfo().isLeader();
    }


    /** Adds a member; it must already run, started with {@link Start#JOIN}. */
    public void addMember(String memberId, String address) throws IOException {
        Map<String, String> next = members();
        next.put(memberId, address);
        setMembers(next);
    }


    /** Removes a member: the group goes on without it, and its log is no longer replicated to it. */
    public void removeMember(String memberId) throws IOException {
        Map<String, String> next = members();
        if (next.remove(memberId) == null) return;
        setMembers(next);
    }

    /**
     * Hands leadership to {@code memberId} and waits until it leads (or the timeout passes), so a
     * leader that is to leave the group does not take the swarm's writes with it.
     */
    public void transferLeadership(String memberId, java.time.Duration timeout) throws IOException {
        RaftClientReply r = client.admin().transferLeadership(RaftPeerId.valueOf(memberId), timeout.toMillis());
        if (!r.isSuccess()) throw new IOException("transferring leadership to " + memberId + " failed: " + r.getException());
    }

    private void setMembers(Map<String, String> members) throws IOException {
        List<RaftPeer> peers = new ArrayList<>();
        members.forEach((id, addr) -> peers.add(RaftPeer.newBuilder().setId(id).setAddress(addr).build()));
        RaftClientReply r = client.admin().setConfiguration(peers);
        if (!r.isSuccess()) throw new IOException("changing the Raft members failed: " + r.getException());
    }

    private RaftServer.Division division() {
        try {
            return server.getDivision(groupId);
        } catch (IOException e) {
            throw ApiException.unavailable("raft member is not running: %s", e.getMessage());
        }
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
    }
}
