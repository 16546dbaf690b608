package io.shoal.network.dns;

import java.net.Inet4Address;
import java.util.List;

/** What a sandbox's resolver answers for a name. */
public sealed interface Answer {
    /** A name of the swarm (a service, its tasks): these IPv4 addresses, in this order. */
    record Addresses(List<Inet4Address> addresses) implements Answer {
        public Addresses {
            addresses = List.copyOf(addresses);
        }
    }

    /** A name the swarm owns that has no such entry: NXDOMAIN, not forwarded. */
    record NoSuchName() implements Answer {}

    /** Not the swarm's: asked of the upstream servers. */
    record Forward() implements Answer {}
}
