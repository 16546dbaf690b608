package io.shoal.network;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * A port published on this node's addresses and where its connections go. {@link Mode#INGRESS}
 * (the routing mesh): the backends are every running task's address on the ingress network and
 * the target port, anywhere in the swarm, and connections are masqueraded to the node's ingress
 * address so the replies come back through this node. {@link Mode#HOST}: the backends are this
 * node's tasks at their gateway addresses, and the client's address is kept. Connections are
 * spread over the backends; with none they are refused at once.
 */
public record PublishedPort(Protocol protocol, int port, Mode mode, List<InetSocketAddress> backends) {
    public enum Protocol { TCP, UDP }

    public enum Mode { INGRESS, HOST }

    public PublishedPort {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(mode, "mode");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("invalid published port " + port);
        backends = List.copyOf(backends);
        for (InetSocketAddress b : backends) {
            if (!(b.getAddress() instanceof Inet4Address) || b.getPort() == 0) {
                throw new IllegalArgumentException("backend " + b + " of port " + port + " is not an IPv4 address and port");
            }
        }
    }
}
