package io.shoal.network;

import io.shoal.common.Ipv4Prefix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The node's own endpoint on the ingress network, for the routing mesh: a veth {@value #LINK} in
 * the node's namespace holding the node's ingress address (with the MAC derived from it, as every
 * endpoint's, so other nodes' static peers reach it), its other end on the ingress network's
 * bridge. Published ports are DNATed out of it and masqueraded to its address.
 */
final class Ingress {
    static final String LINK = "shoal_ingress";

    private final NamespaceThread thread;
    /** The node's namespace, where the veth's other end is made. */
    private final Path home;
    private String networkId;
    private Ipv4Prefix address;

    Ingress(NamespaceThread thread, Path home) {
        this.thread = thread;
        this.home = home;
    }

    /** Makes the veth exist with {@code nodeAddress}, its other end on {@code overlay}'s bridge; adopts a complete one. */
    synchronized void set(Overlay overlay, String networkId, Ipv4Prefix nodeAddress, int mtu) throws IOException {
        if (nodeAddress.equals(address) && networkId.equals(this.networkId)) return;
        boolean complete = thread.atHome(() -> Interfaces.isUp(LINK) && Interfaces.address(LINK).equals(Optional.of(nodeAddress)));
        if (!complete) {
            remove();
            String ve = "ve" + HexFormat.of().formatHex(nodeAddress.inet().getAddress());
            overlay.attach(ve, home, LINK, Mac.of(nodeAddress.inet()), mtu);
            thread.atHome(() -> {
                Interfaces.configure(LINK, nodeAddress);
                return null;
            });
        }
        this.networkId = networkId;
        this.address = nodeAddress;
    }

    /** Deletes the veth when it is there. */
    synchronized void remove() throws IOException {
        networkId = null;
        address = null;
        thread.atHome(() -> {
            Interfaces.delete(LINK);
            return null;
        });
    }

    /** Deletes the veth when {@code removed} is the ingress network: a dying namespace would free it only later. */
    synchronized void networkRemoved(String removed) throws IOException {
        if (removed.equals(networkId)) remove();
    }
}
