package io.shoal.network;

import io.shoal.common.wireguard.Key;
import java.net.Inet4Address;
import java.util.Objects;

/** Another node on an encrypted network: its underlay address and its public key. */
public record TunnelPeer(Inet4Address nodeAddress, Key publicKey) {
    public TunnelPeer {
        Objects.requireNonNull(nodeAddress, "nodeAddress");
        Objects.requireNonNull(publicKey, "publicKey");
    }
}
