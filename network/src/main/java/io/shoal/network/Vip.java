package io.shoal.network;

import java.net.Inet4Address;
import java.util.List;
import java.util.Objects;

/**
 * A service's virtual IP on a network and the addresses of its running tasks there. Connections
 * to the VIP are spread over the backends; with none they are refused at once (a TCP reset, an
 * ICMP error) rather than left to time out.
 */
public record Vip(Inet4Address vip, List<Inet4Address> backends) {
    public Vip {
        Objects.requireNonNull(vip, "vip");
        backends = List.copyOf(backends);
    }
}
