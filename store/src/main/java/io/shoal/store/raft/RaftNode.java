package io.shoal.store.raft;

import io.shoal.api.ApiException;
import io.shoal.store.Batch;
import io.shoal.store.MemoryStore;
import io.shoal.store.Proposer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.client.RaftClient;
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
    private final RaftServer server;
    private final RaftClient client;
    private final RaftGroup group;

    /**
     * @param dir        where the log and snapshots live
     * @param memberId   this manager's Raft member id (the node id)
     * @param address    host:port the Raft transport listens on and peers reach
     * @param clusterId  the swarm's id; the group id is derived from it
     * @param leadership told true when this member becomes a leader ready to write, false when it stops being one
     */
    public RaftNode(Path dir, String memberId, String address, String clusterId, MemoryStore memory,
                    Consumer<Boolean> leadership) throws IOException {
        Files.createDirectories(dir);
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(dir.toFile()));
        GrpcConfigKeys.Server.setPort(props, Integer.parseInt(address.substring(address.lastIndexOf(':') + 1)));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, 10_000);
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("8MB"));
        // Swarmkit waits ~10 s before electing; we aim for failover within 2 s.
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(300, java.util.concurrent.TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(600, java.util.concurrent.TimeUnit.MILLISECONDS));
        RaftPeer self = RaftPeer.newBuilder().setId(memberId).setAddress(address).build();
        group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.nameUUIDFromBytes(clusterId.getBytes())), self);
        boolean fresh = !Files.exists(dir.resolve(group.getGroupId().getUuid().toString()));
        server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf(memberId))
                .setStateMachine(new StoreStateMachine(memory, leadership))
                .setProperties(props)
                .setGroup(group)
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        client = RaftClient.newBuilder().setProperties(props).setRaftGroup(group).build();
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

    public boolean isLeader() {
        try {
            return server.getDivision(group.getGroupId()).getInfo().isLeader();
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
    }
}
