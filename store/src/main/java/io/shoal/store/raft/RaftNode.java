package io.shoal.store.raft;

import io.shoal.api.ApiException;
import io.shoal.api.StoredObject;
import io.shoal.common.HostPort;
import io.shoal.pki.DataKey;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.conf.RaftProperties;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.LeaderNotReadyException;
import org.apache.ratis.protocol.exceptions.LeaderSteppingDownException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * This manager's member of the swarm's Raft group (Apache Ratis): the durable, replicated log
 * whose state machine is the {@link MemoryStore}. While this member leads, proposals go straight to
 * its server; otherwise through a Ratis client, which finds the leader by itself.
 */
public final class RaftNode implements Proposer, AutoCloseable {
    /**
     * The key and trust managers of the Raft transport's mutual TLS (the pki module's
     * TlsManagers, accepting managers only); null only where members talk over loopback in tests.
     */
    public record Tls(KeyManager keys, TrustManager trust) {}

    /** How a member starts: the first of a new swarm, a new member the leader will add, or one resuming from disk. */
    public enum Start { BOOTSTRAP, JOIN, RESUME }

    private final RaftServer server;
    private final RaftProperties props;
    private final Parameters parameters;
    private volatile RaftClient client;
    private final RaftGroupId groupId;
    private final RaftPeer self;
    private final StoreStateMachine stateMachine;
    private final GroupCommit proposals = new GroupCommit(this::send);
    private final ClientId localClient = ClientId.randomId();
    private final AtomicLong localCalls = new AtomicLong();
    /**
     * Completes the leader's own proposals: their replies come on the thread that applies entries,
     * which must not be the one to send the next group (measured: writes half as fast).
     */
    private final ExecutorService localReplies = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("raft-local-replies").daemon().factory());

    /**
     * @param dir        where the log and snapshots live
     * @param memberId   this manager's Raft member id (the node id)
     * @param address    host:port other members reach this one at
     * @param listenHost the interface the Raft transport listens on (at {@code address}'s port)
     * @param clusterId  the swarm's id; the group id is derived from it
     * @param key        this manager's data key, which seals the entries and snapshots it writes
     * @param peers      where to fetch the state from when the leader's log no longer reaches back far enough
     * @param tls        the transport's mutual TLS
     * @param leadership told true when this member becomes a leader ready to write, false when it stops being one
     */
    public RaftNode(Path dir, String memberId, String address, String listenHost, String clusterId, MemoryStore memory,
                    DataKey key, StateSource peers, Tls tls, Consumer<Boolean> leadership, Start start) throws IOException {
        Files.createDirectories(dir);
        props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(dir.toFile()));
        GrpcConfigKeys.Server.setHost(props, listenHost);
        GrpcConfigKeys.Server.setPort(props, HostPort.parse(address, 0).port());
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, 10_000);
        // A snapshot asked for (before a backup) is taken however few entries came since the last.
        RaftServerConfigKeys.Snapshot.setCreationGap(props, 1);
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("8MB"));
        // Snapshot files are sealed with this manager's own key, so they are never shipped: a member
        // that lags behind is told to fetch the state itself (see StoreStateMachine).
        RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(props, false);
        // Keep each entry's content in the log cache, so the leader's appenders need not read it
        // back from the entry log (and unseal it) once per follower.
        RaftServerConfigKeys.Log.StateMachineData.setCachingEnabled(props, true);
        // Swarmkit waits ~10 s before electing; we aim for failover within 2 s.
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
        // A new member catches up first (it fetches the whole state from another manager): give it
        // time before the leader gives up adding it.
        RaftServerConfigKeys.setStagingTimeout(props, TimeDuration.valueOf(20, TimeUnit.SECONDS));
        // Without a quorum a write must fail fast rather than hang: give up after about 5 s.
        RaftClientConfigKeys.Rpc.setRequestTimeout(props, TimeDuration.valueOf(2, TimeUnit.SECONDS));
        self = RaftPeer.newBuilder().setId(memberId).setAddress(address).build();
        groupId = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(clusterId.getBytes(StandardCharsets.UTF_8)));
        // A joining member starts with no peers and learns the configuration from the leader that adds it.
        RaftGroup group = start == Start.JOIN ? RaftGroup.valueOf(groupId) : RaftGroup.valueOf(groupId, self);
        stateMachine = new StoreStateMachine(memory, key, peers, leadership);
        parameters = new Parameters();
        if (tls != null) {
            GrpcTlsConfig conf = new GrpcTlsConfig(tls.keys(), tls.trust(), true);
            GrpcConfigKeys.Server.setTlsConf(parameters, conf);
            GrpcConfigKeys.Admin.setTlsConf(parameters, conf);
            GrpcConfigKeys.Client.setTlsConf(parameters, conf);
        }
        server = RaftServer.newBuilder()
                .setServerId(self.getId())
                .setParameters(parameters)
                .setStateMachine(stateMachine)
                .setProperties(props)
                .setGroup(group)
                .setOption(start == Start.RESUME ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
        server.start();
        client = newClient();
    }

    private RaftClient newClient() {
        return RaftClient.newBuilder().setProperties(props).setParameters(parameters).setRaftGroup(RaftGroup.valueOf(groupId, self))
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(25,
                        TimeDuration.valueOf(200, TimeUnit.MILLISECONDS)))
                .build();
    }

    /** Whether {@code dir} holds this swarm's Raft state, so the member resumes rather than starts anew. */
    public static boolean hasState(Path dir, String clusterId) {
        UUID uuid = UUID.nameUUIDFromBytes(clusterId.getBytes(StandardCharsets.UTF_8));
        return Files.exists(dir.resolve(uuid.toString()));
    }

    /**
     * Every object of the swarm as the Raft state in {@code dir} holds it, read offline with this
     * manager's key: what --force-new-cluster starts the new one-manager group from.
     */
    public static List<StoredObject> recover(Path dir, String clusterId, DataKey key) throws IOException {
        UUID uuid = UUID.nameUUIDFromBytes(clusterId.getBytes(StandardCharsets.UTF_8));
        Path groupDir = dir.resolve(uuid.toString());
        if (!Files.isDirectory(groupDir)) throw new IOException("no Raft state of swarm " + clusterId + " in " + dir);
        return StoreStateMachine.recover(groupDir, key).all();
    }

    @Override
    public CompletableFuture<Long> propose(Batch batch) {
        return proposals.propose(batch.encode());
    }

    /**
     * An entry's content to the leader: the leader's own (every controller's and dispatcher's write
     * goes through the leader) straight to its server, sparing a gRPC and TLS round trip to itself
     * (a one-manager write took ~2 ms less); a follower's through the client.
     */
    private CompletableFuture<RaftClientReply> send(byte[] entry) {
        if (!isLeader()) return sendThroughClient(entry);
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(localClient).setServerId(self.getId())
                .setGroupId(groupId).setCallId(localCalls.incrementAndGet()).setMessage(Message.valueOf(ByteString.copyFrom(entry)))
                .setType(RaftClientRequest.writeRequestType()).build();
        CompletableFuture<RaftClientReply> submitted;
        try {
            submitted = server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return sendThroughClient(entry);
        }
        // Refused on submission (leadership just went): the entry is not in the log, so the client
        // may send it to the new leader. Refused later (this leader lost its quorum and stepped
        // down), it may be in the log and be committed by the next leader: sending it again could
        // apply it twice, so that write fails as the client's would, for want of a leader.
        if (submitted.isDone() && !submitted.isCompletedExceptionally() && leadershipMoved(submitted.join())) {
            return sendThroughClient(entry);
        }
        return submitted.orTimeout(LOCAL_TIMEOUT_SECONDS, TimeUnit.SECONDS).handleAsync((reply, failure) -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof TimeoutException) throw ApiException.unavailable(NO_LEADER);
            if (cause != null) throw ApiException.unavailable("write failed: %s", cause.getMessage());
            if (leadershipMoved(reply)) throw ApiException.unavailable(NO_LEADER);
            return reply;
        }, localReplies);
    }

    /** About as long as the client retries before it gives up (see newClient). */
    private static final long LOCAL_TIMEOUT_SECONDS = 5;

    private static boolean leadershipMoved(RaftClientReply reply) {
        return reply.getNotLeaderException() != null || reply.getException() instanceof LeaderNotReadyException
                || reply.getException() instanceof LeaderSteppingDownException;
    }

    private CompletableFuture<RaftClientReply> sendThroughClient(byte[] entry) {
        RaftClient used = client;
        return used.async().send(Message.valueOf(ByteString.copyFrom(entry))).exceptionally(t -> {
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof RaftRetryFailureException || cause instanceof AlreadyClosedException) return noLeader(used);
            throw ApiException.unavailable("write failed: %s", cause.getMessage());
        });
    }

    /**
     * Docker's words for a write that found no leader to take it: the client gave up retrying (or
     * its window was closed by an earlier request that did).
     */
    static final String NO_LEADER = "The swarm does not have a leader. It's possible that too few managers are online. "
            + "Make sure more than half of the managers are online.";

    /**
     * Ratis closes an async client's ordered window once a request runs out of retries; the
     * next writes (a quorum may be back by then) go through a new one.
     */
    private RaftClientReply noLeader(RaftClient failed) {
        synchronized (this) {
            if (client == failed) {
                client = newClient();
                try {
                    failed.close();
                } catch (IOException e) {
                    // a client that failed may fail to close too; the new one is what matters
                }
            }
        }
        throw ApiException.unavailable(NO_LEADER);
    }

    /** This manager's store at its last applied entry, for another manager catching up; in clear, so only over mutual TLS. */
    public byte[] exportState() throws IOException {
        return stateMachine.exportState();
    }

    /** Takes a snapshot now (Ratis takes them by itself every 10,000 entries); returns its index. */
    public long snapshot() throws IOException {
        RaftClientReply r = client.getSnapshotManagementApi(self.getId()).create(30_000);
        if (!r.isSuccess()) throw new IOException("snapshot failed: " + r.getException());
        return r.getLogIndex();
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

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
        localReplies.shutdown();
    }
}
