package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.shoal.common.wireguard.Key;
import java.time.Instant;

/**
 * A node's WireGuard key pair for the tunnels of encrypted networks: made by the leader's key
 * manager for every node, deleted once the node is removed. It lives in the store only, never in
 * an API response; the private key reaches that node alone (in its views of encrypted networks),
 * the public key the nodes that share an encrypted network with it.
 *
 * @param id the node's id
 */
public record NodeKey(@JsonProperty("ID") String id, Version version, Instant createdAt, Instant updatedAt,
                      Key privateKey, Key publicKey) implements StoredObject {

    @Override
    public NodeKey committed(Version v, Instant now) {
        return new NodeKey(id, v, createdAt == null ? now : createdAt, now, privateKey, publicKey);
    }

    /** A new key pair for {@code nodeId}. */
    public static NodeKey generate(String nodeId) {
        Key privateKey = Key.generatePrivate();
        return new NodeKey(nodeId, Version.NONE, null, null, privateKey, privateKey.publicKey());
    }
}
