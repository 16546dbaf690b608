package io.shoal.store.raft;

import io.shoal.common.FileTrees;
import io.shoal.pki.DataKey;
import io.shoal.store.MemoryStore;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
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
 * The Raft state machine: applies committed entries (each a group of batches, see {@link Entry})
 * to the {@link MemoryStore} and writes and loads its snapshots.
 *
 * <p>Nothing of the store reaches the disk in clear: a batch travels as the entry's "state machine
 * data", which Ratis strips from its own log and hands to {@link #data()}, where the {@link EntryLog}
 * seals it with this manager's {@link DataKey}; snapshots are sealed with the same key. Since each
 * manager's files are its own, a member that fell behind the leader's log is not sent the leader's
 * snapshot files: Ratis tells it to catch up and it fetches the state from another manager through
 * its {@link StateSource}, then seals a snapshot of its own.
 */
final class StoreStateMachine extends BaseStateMachine {
    private static final Logger log = LoggerFactory.getLogger(StoreStateMachine.class);

    private final MemoryStore memory;
    private final DataKey key;
    private final StateSource peers;
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Consumer<Boolean> leadership;
    private final Object applying = new Object();
    private volatile EntryLog entries;
    private volatile RaftServer server;

    StoreStateMachine(MemoryStore memory, DataKey key, StateSource peers, Consumer<Boolean> leadership) {
        this.memory = memory;
        this.key = key;
        this.peers = peers;
        this.leadership = leadership;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        this.server = server;
        storage.init(raftStorage);
        entries = new EntryLog(raftStorage.getStorageDir().getRoot().toPath().resolve("entries"), key);
        getLifeCycle().startAndTransition(this::loadLatestSnapshot, IOException.class);
    }

    /** Ratis pauses the machine before it reloads it from a snapshot this member installed. */
    @Override
    public void pause() {
        getLifeCycle().transition(LifeCycle.State.PAUSING);
        getLifeCycle().transition(LifeCycle.State.PAUSED);
    }

    @Override
    public void reinitialize() throws IOException {
        loadLatestSnapshot();
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    /** Puts the batch in the entry's state machine data, which Ratis keeps out of its own log file. */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) {
        return TransactionContext.newBuilder().setStateMachine(this).setClientRequest(request)
                .setLogData(ByteString.EMPTY).setStateMachineData(request.getMessage().getContent()).build();
    }

    private final DataApi data = new DataApi() {
        @Override
        public CompletableFuture<?> write(LogEntryProto entry, TransactionContext context) {
            try {
                entries.append(entry.getIndex(), stateMachineData(entry).toByteArray());
                return CompletableFuture.completedFuture(null);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<ByteString> read(LogEntryProto entry, TransactionContext context) {
            try {
                return CompletableFuture.completedFuture(ByteString.copyFrom(content(entry.getIndex())));
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<Void> flush(long index) {
            try {
                entries.flush();
                return CompletableFuture.completedFuture(null);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }

        @Override
        public CompletableFuture<Void> truncate(long index) {
            try {
                entries.truncate(index);
                return CompletableFuture.completedFuture(null);
            } catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    };

    @Override
    public DataApi data() {
        return data;
    }

    private static ByteString stateMachineData(LogEntryProto entry) {
        return entry.getStateMachineLogEntry().getStateMachineEntry().getStateMachineData();
    }

    private byte[] content(long index) throws IOException {
        byte[] content = entries.get(index);
        if (content == null) throw new IOException("raft entry " + index + " has no content in this manager's entry log");
        return content;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        List<String> verdicts;
        synchronized (applying) {
            try {
                ByteString inline = stateMachineData(entry);
                byte[] content = inline.isEmpty() ? content(entry.getIndex()) : inline.toByteArray();
                verdicts = memory.apply(entry.getIndex(), Entry.decode(content)).stream().map(Entry::verdict).toList();
            } catch (IOException | RuntimeException e) {
                log.error("cannot apply log entry {}", entry.getIndex(), e);
                verdicts = List.of("ERR 500 cannot apply log entry: " + e.getMessage());
            }
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        }
        return CompletableFuture.completedFuture(Entry.reply(verdicts));
    }

    /** The whole store at the last applied entry, in clear, for a manager catching up (over mutual TLS). */
    byte[] exportState() throws IOException {
        synchronized (applying) {
            TermIndex last = getLastAppliedTermIndex();
            if (last == null || last.getIndex() < 0) throw new IOException("this manager has applied nothing yet");
            return StateImage.encode(last.getTerm(), last.getIndex(), memory.all());
        }
    }

    @Override
    public long takeSnapshot() throws IOException {
        byte[] image;
        TermIndex last;
        synchronized (applying) {
            last = getLastAppliedTermIndex();
            if (last == null || last.getIndex() < 0) return -1;
            image = StateImage.encode(last.getTerm(), last.getIndex(), memory.all());
        }
        writeSnapshot(last, image);
        entries.rollOnNextAppend();
        long logStart = server.getDivision(getGroupId()).getRaftLog().getStartIndex();
        entries.purgeBelow(Math.min(logStart, last.getIndex() + 1));
        return last.getIndex();
    }

    private static StateImage openSnapshot(Path file, long index, DataKey key) throws IOException {
        return StateImage.decode(key.open(Files.readAllBytes(file), DataKey.indexBytes("snapshot", index)));
    }

    private void writeSnapshot(TermIndex at, byte[] image) throws IOException {
        File file = storage.getSnapshotFile(at.getTerm(), at.getIndex());
        // Flushed before it is in place: the log below it is purged once Ratis counts on it.
        FileTrees.writeAtomically(file.toPath(), key.seal(image, DataKey.indexBytes("snapshot", at.getIndex())));
        storage.loadLatestSnapshot();
        storage.cleanupOldSnapshots(new SnapshotRetentionPolicy() {
            @Override
            public int getNumSnapshotsRetained() {
                return 2;
            }
        });
        log.info("snapshot at index {}", at.getIndex());
    }

    private void loadLatestSnapshot() throws IOException {
        storage.loadLatestSnapshot();
        SingleFileSnapshotInfo snapshot = storage.getLatestSnapshot();
        if (snapshot == null) return;
        StateImage image = openSnapshot(snapshot.getFile().getPath(), snapshot.getIndex(), key);
        synchronized (applying) {
            memory.restore(image.index(), image.objects());
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
        log.info("loaded snapshot at index {} ({} objects)", snapshot.getIndex(), image.objects().size());
    }

    /**
     * The leader no longer has the entries this member lacks: fetch the state from a manager that
     * has applied at least up to them and keep it as this member's snapshot; Ratis then reloads
     * the store from it and goes on with the entries that follow.
     */
    @Override
    public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto role, TermIndex firstInLeaderLog) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                byte[] fetched = peers.fetch(firstInLeaderLog.getIndex() - 1);
                StateImage image = StateImage.decode(fetched);
                TermIndex at = TermIndex.valueOf(image.term(), image.index());
                writeSnapshot(at, fetched);
                log.info("caught up from another manager's state at index {}", at.getIndex());
                return at;
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, Thread.ofVirtual()::start);
    }

    /**
     * The store as this manager's own files hold it, read without Raft: its latest snapshot and
     * every entry after it that it wrote, committed or not, as swarmkit's --force-new-cluster
     * takes its WAL. An entry the store refuses (it lost a race that was never committed) is skipped.
     */
    static MemoryStore recover(Path groupDir, DataKey key) throws IOException {
        MemoryStore memory = new MemoryStore();
        long snapshotIndex = -1;
        Path latest = null;
        Path smDir = groupDir.resolve("sm");
        if (Files.isDirectory(smDir)) {
            try (var files = Files.list(smDir)) {
                for (Path f : files.toList()) {
                    var m = SNAPSHOT_NAME.matcher(f.getFileName().toString());
                    if (m.matches() && Long.parseLong(m.group(2)) > snapshotIndex) {
                        snapshotIndex = Long.parseLong(m.group(2));
                        latest = f;
                    }
                }
            }
        }
        if (latest != null) {
            StateImage image = openSnapshot(latest, snapshotIndex, key);
            memory.restore(image.index(), image.objects());
        }
        try (EntryLog entries = new EntryLog(groupDir.resolve("entries"), key)) {
            for (long i = snapshotIndex + 1; i <= entries.lastIndex(); i++) {
                byte[] content = entries.get(i);
                if (content == null) continue;
                for (var refusal : memory.apply(i, Entry.decode(content))) {
                    if (refusal != null) log.warn("recovery: a batch of entry {} was refused again: {}", i, refusal.getMessage());
                }
            }
        }
        return memory;
    }

    private static final java.util.regex.Pattern SNAPSHOT_NAME = java.util.regex.Pattern.compile("snapshot\\.(\\d+)_(\\d+)");

    @Override
    public void notifyLeaderReady() {
        leadership.accept(true);
    }

    @Override
    public void notifyLeaderChanged(RaftGroupMemberId member, RaftPeerId newLeader) {
        if (!member.getPeerId().equals(newLeader)) leadership.accept(false);
    }

    @Override
    public void close() throws IOException {
        super.close();
        if (entries != null) entries.close();
    }
}
