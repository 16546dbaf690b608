package io.shoal.store.raft;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import io.shoal.api.StoredObject;
import io.shoal.store.Batch;
import io.shoal.store.Kind;
import io.shoal.store.MemoryStore;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Raft state machine: applies committed batches to the {@link MemoryStore} and writes and
 * loads its snapshots. The reply to a proposal is "OK" or "ERR status message", the store's
 * verdict, which every manager reaches alike.
 */
final class StoreStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(StoreStateMachine.class);

    private final MemoryStore memory;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Consumer<Boolean> leadership;
    private volatile RaftPeerId self;

    StoreStateMachine(MemoryStore memory, Consumer<Boolean> leadership) {
        this.memory = memory;
        this.leadership = leadership;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        self = server.getId();
        storage.init(raftStorage);
        loadLatestSnapshot();
    }

    @Override
    public void reinitialize() throws IOException {
        loadLatestSnapshot();
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        String reply;
        try {
            Batch batch = Batch.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
            memory.apply(entry.getIndex(), batch);
            reply = "OK";
        } catch (ApiException e) {
            reply = "ERR " + e.status() + " " + e.getMessage();
        } catch (IOException | RuntimeException e) {
            log.error("cannot apply log entry {}", entry.getIndex(), e);
            reply = "ERR 500 cannot apply log entry: " + e.getMessage();
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.valueOf(reply));
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) return -1;
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode objects = root.putArray("objects");
        for (StoredObject o : memory.all()) {
            ObjectNode n = objects.addObject();
            n.put("kind", Kind.of(o).name());
            n.set("object", Json.MAPPER.valueToTree(o));
        }
        File file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        File tmp = new File(file.getPath() + ".tmp");
        Files.write(tmp.toPath(), Json.MAPPER.writeValueAsBytes(root));
        Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE);
        storage.loadLatestSnapshot();
        storage.cleanupOldSnapshots(new org.apache.ratis.statemachine.SnapshotRetentionPolicy() {
            @Override
            public int getNumSnapshotsRetained() {
                return 2;
            }
        });
        log.info("snapshot at index {} ({} objects)", last.getIndex(), objects.size());
        return last.getIndex();
    }

    private void loadLatestSnapshot() throws IOException {
        storage.loadLatestSnapshot();
        SingleFileSnapshotInfo snapshot = storage.getLatestSnapshot();
        if (snapshot == null) return;
        JsonNode root = Json.MAPPER.readTree(snapshot.getFile().getPath().toFile());
        List<StoredObject> objects = new ArrayList<>();
        for (JsonNode n : root.get("objects")) {
            Kind kind = Kind.valueOf(n.get("kind").asText());
            objects.add(Json.MAPPER.treeToValue(n.get("object"), kind.type));
        }
        memory.restore(snapshot.getIndex(), objects);
        setLastAppliedTermIndex(snapshot.getTermIndex());
        log.info("loaded snapshot at index {} ({} objects)", snapshot.getIndex(), objects.size());
    }

    @Override
    public void notifyLeaderReady() {
        leadership.accept(true);
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
        if (!member.getPeerId().equals(newLeader)) leadership.accept(false);
    }

    static String decodeReply(Message m) {
        return m.getContent().toString(StandardCharsets.UTF_8);
    }
}
