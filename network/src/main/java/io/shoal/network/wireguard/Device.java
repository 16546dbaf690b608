package io.shoal.network.wireguard;

import io.shoal.common.wireguard.Key;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A WireGuard device's configuration as its configuration socket reads and writes it: its private
 * key (null when none is set), its UDP port, and its peers by public key.
 */
public record Device(Key privateKey, int listenPort, Map<Key, Peer> peers) {
    public Device {
        peers = Map.copyOf(peers);
    }

    /**
     * A peer: the preshared key mixed into its handshakes, where its packets go, the inner
     * addresses it may send from and be sent to, and its keepalive interval in seconds (0: none).
     */
    public record Peer(Key presharedKey, InetSocketAddress endpoint, Set<String> allowedIps, int keepalive) {
        public Peer {
            allowedIps = Set.copyOf(allowedIps);
        }
    }

    /**
     * The {@code set} lines that turn this configuration into {@code wanted}, empty when they are
     * the same. Only what differs is written: a peer whose entry stays keeps its session, so
     * replacing a preshared key or adding a node never interrupts traffic to the others
     * ({@code replace_peers} would drop every session).
     */
    String changesTo(Device wanted) {
        StringBuilder b = new StringBuilder();
        if (!Objects.equals(privateKey, wanted.privateKey)) b.append("private_key=").append(wanted.privateKey.hex()).append('\n');
        if (listenPort != wanted.listenPort) b.append("listen_port=").append(wanted.listenPort).append('\n');
        peers.keySet().stream().filter(k -> !wanted.peers.containsKey(k))
                .forEach(k -> b.append("public_key=").append(k.hex()).append("\nremove=true\n"));
        wanted.peers.forEach((k, want) -> {
            Peer have = peers.get(k);
            if (want.equals(have)) return;
            b.append("public_key=").append(k.hex()).append('\n');
            if (have == null || !have.presharedKey.equals(want.presharedKey)) {
                b.append("preshared_key=").append(want.presharedKey.hex()).append('\n');
            }
            if (have == null || !Objects.equals(have.endpoint, want.endpoint)) {
                b.append("endpoint=").append(want.endpoint.getAddress().getHostAddress()).append(':')
                        .append(want.endpoint.getPort()).append('\n');
            }
            if (have == null || !have.allowedIps.equals(want.allowedIps)) {
                b.append("replace_allowed_ips=true\n");
                want.allowedIps.forEach(a -> b.append("allowed_ip=").append(a).append('\n'));
            }
            // Last: a keepalive turned on sends one at once, which starts the handshake with the settings above.
            if (have == null || have.keepalive != want.keepalive) {
                b.append("persistent_keepalive_interval=").append(want.keepalive).append('\n');
            }
        });
        return b.toString();
    }
}
