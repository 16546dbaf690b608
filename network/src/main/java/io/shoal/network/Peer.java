package io.shoal.network;

import java.net.Inet4Address;
import java.util.Objects;

/** An endpoint of a network on another node: its address on the network, and that node's underlay address. */
public record Peer(Inet4Address address, Inet4Address nodeAddress) {
    public Peer {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(nodeAddress, "nodeAddress");
    }
}
