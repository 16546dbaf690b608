package io.shoal.network;

import io.shoal.common.wireguard.Key;
import java.util.Objects;

/**
 * What keeps an encrypted network's traffic secret on this node: the node's private key (its
 * public key is what the other nodes are given) and the network's preshared key, the same on
 * every node, mixed into every handshake.
 */
public record TunnelKeys(Key privateKey, Key presharedKey) {
    public TunnelKeys {
        Objects.requireNonNull(privateKey, "privateKey");
        Objects.requireNonNull(presharedKey, "presharedKey");
    }
}
