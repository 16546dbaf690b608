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

    private final Commands commands;
    private final NamespaceThread thread;
    /** The node's namespace as {@code ip link ... netns} takes it. */
    private final Path home;
    private String networkId;
    private Ipv4Prefix address;

    Ingress(Commands commands, NamespaceThread thread, Path home) {
        this.commands = commands;
        this.thread = thread;
        this.home = home;
    }

    /** Makes the veth exist with {@code nodeAddress}, its other end on {@code overlay}'s bridge; adopts a complete one. */
    synchronized void set(Overlay overlay, String networkId, Ipv4Prefix nodeAddress, int mtu) throws IOException {
        if (nodeAddress.equals(address) && networkId.equals(this.networkId)) return;
        boolean complete = thread.atHome(() -> Interfaces.isUp(LINK) && Interfaces.address(LINK).equals(Optional.of(nodeAddress)));
        if (!complete) {
            String stale = removal();
            if (!stale.isEmpty()) commands.ip(null, stale);
            String ve = "ve" + HexFormat.of().formatHex(nodeAddress.inet().getAddress());
            Overlay.Attachment a = overlay.attachment(ve);
            commands.ip(a.netns(), a.staleEnd()
                    + "link add " + ve + " mtu " + mtu + " type veth peer name " + LINK + " netns " + home
                    + " address " + Mac.of(nodeAddress.inet()) + " mtu " + mtu + "\n"
                    + "link set " + ve + " master " + Overlay.BRIDGE + " up\n");
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
        String del = removal();
        if (!del.isEmpty()) commands.ip(null, del);
    }

    /** Deletes the veth when {@code removed} is the ingress network: a dying namespace would free it only later. */
    synchronized void networkRemoved(String removed) throws IOException {
        if (removed.equals(networkId)) remove();
    }

    /** The {@code ip} line that deletes the veth, if it is there. */
    synchronized String removal() throws IOException {
        networkId = null;
        address = null;
        return thread.atHome(() -> Interfaces.exists(LINK)) ? "link del " + LINK + "\n" : "";
    }
}
