package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.shoal.common.wireguard.Key;
import java.time.Instant;

/**
 * The key an encrypted network's tunnels mix into every handshake (WireGuard's preshared key), the
 * same on every node of the network: stored with the network, replaced by the leader's key manager
 * every rotation period, deleted with the network. It lives in the store only (sealed at rest like
 * everything there, never in an API response) and reaches the nodes in their views of the network.
 *
 * @param id        the network's id
 * @param updatedAt when the key now in use was made: only a rotation changes this object
 */
public record NetworkKey(@JsonProperty("ID") String id, Version version, Instant createdAt, Instant updatedAt,
                         Key presharedKey) implements StoredObject {

    @Override
    public NetworkKey committed(Version v, Instant now) {
        return new NetworkKey(id, v, createdAt == null ? now : createdAt, now, presharedKey);
    }

    /** The first key of the encrypted network {@code networkId}. */
    public static NetworkKey generate(String networkId) {
        return new NetworkKey(networkId, Version.NONE, null, null, Key.generatePreshared());
    }

    /** This object with a new key: a rotation. */
    public NetworkKey rotated() {
        return new NetworkKey(id, version, createdAt, updatedAt, Key.generatePreshared());
    }
}
