package io.shoal.store.raft;

import static io.shoal.store.Fixtures.batch;
import static io.shoal.store.Fixtures.create;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.shoal.api.NetworkKey;
import io.shoal.api.NodeKey;
import io.shoal.api.StoredObject;
import io.shoal.api.Version;
import io.shoal.store.Batch;
import io.shoal.store.MemoryStore;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The keys of encrypted networks are stored objects like any other: through Raft entries and snapshots alike. */
class KeysImageTest {
    static final Instant AT = Instant.parse("2025-01-02T03:04:05Z");

    @Test
    void keysComeBackEqualFromAnEntryAndAnImage() throws Exception {
        NetworkKey shared = NetworkKey.generate("net1").committed(new Version(3), AT);
        NodeKey pair = NodeKey.generate("node1").committed(new Version(4), AT);
        assertEquals(pair.privateKey().publicKey(), pair.publicKey());

        Batch b = batch(create(shared), create(pair));
        byte[] bytes = b.encode();
        assertEquals(b.changes(), Batch.decode(bytes, 0, bytes.length).changes());

        StateImage image = StateImage.decode(StateImage.encode(1, 9, List.<StoredObject>of(shared, pair)));
        assertEquals(List.of(shared, pair), image.objects());
        MemoryStore restored = new MemoryStore();
        restored.restore(9, image.objects());
        assertEquals(shared, restored.view(r -> r.networkKey("net1")));
        assertEquals(pair, restored.view(r -> r.nodeKey("node1")));
        assertNull(restored.view(r -> r.nodeKey("net1")), "the two kinds of key are apart");
    }
}
