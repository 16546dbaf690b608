package io.shoal.store;

import io.shoal.api.ApiException;
import io.shoal.api.Network;
import io.shoal.api.Node;
import io.shoal.api.PortConfig;
import io.shoal.api.Protocol;
import io.shoal.api.PublishMode;
import io.shoal.api.Service;
import io.shoal.api.StoredObject;
import io.shoal.api.Task;
import io.shoal.common.Ipv4Prefix;
import java.util.ArrayList;
import java.util.List;

/**
 * What a stored object holds of the swarm's networks: a task its address on each network while
 * it {@linkplain Task#holdsAddresses holds them}, a node its addresses (on the ingress network), a
 * service its virtual IPs and the ports it publishes through the routing mesh, a network its
 * gateway, subnet and VXLAN id. Nothing may be held twice; the store refuses a batch that would
 * (see {@link NetworkIndex}), and the allocator keeps its free lists by the same reading.
 */
public record Holdings(List<Address> addresses, Ipv4Prefix subnet, Integer vni, List<Port> ports) {
    public static final Holdings NONE = new Holdings(List.of(), null, null, List.of());

    /** The start of the store's refusals of a write that gives away something already held. */
    static final String TAKEN = "conflicting allocation: ";

    /** One address on one network. */
    public record Address(String networkId, int address) {
        public Address {
            if (networkId == null || networkId.isEmpty()) throw new IllegalArgumentException("an address without a network");
        }

        @Override
        public String toString() {
            return Ipv4Prefix.format(address) + " on network " + networkId;
        }
    }

    /** A port published on every node through the routing mesh: one service's in the whole swarm. */
    public record Port(Protocol protocol, long number) {
        @Override
        public String toString() {
            return number + "/" + protocol.wireName();
        }
    }

    /**
     * What {@code o} holds; an address, subnet or VXLAN id that does not parse is refused as the
     * caller's error, so that it is never stored.
     */
    public static Holdings of(StoredObject o) {
        try {
            return switch (o) {
                case Task t -> ofTask(t);
                case Node n -> ofNode(n);
                case Service s -> ofService(s);
                case Network n -> ofNetwork(n);
                default -> NONE;
            };
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("%s %s: %s", Kind.of(o).wireName(), o.id(), e.getMessage());
        }
    }

    /**
     * Whether the store refused a write because another gave the same address, subnet, VXLAN id or
     * published port away first: chosen again from a fresher read, the write may go through.
     */
    public static boolean isTaken(ApiException refusal) {
        return refusal.status() == 409 && refusal.getMessage().startsWith(TAKEN);
    }

    private static Holdings ofTask(Task t) {
        // A task without states yet (never written so by a manager) has not ended: it holds.
        boolean unknown = t.status() == null || t.status().state() == null || t.desiredState() == null;
        if (t.networksAttachments() == null || !unknown && !t.holdsAddresses()) return NONE;
        return new Holdings(addresses(t.networksAttachments()), null, null, List.of());
    }

    private static Holdings ofNode(Node n) {
        return new Holdings(addresses(n.attachments()), null, null, List.of());
    }

    private static List<Address> addresses(List<Task.NetworkAttachment> attachments) {
        if (attachments == null) return List.of();
        List<Address> out = new ArrayList<>();
        for (Task.NetworkAttachment a : attachments) {
            if (a == null || a.network() == null || a.addresses() == null) continue;
            for (String cidr : a.addresses()) out.add(new Address(a.network().id(), Ipv4Prefix.parse(cidr).address()));
        }
        return out;
    }

    private static Holdings ofService(Service s) {
        if (s.endpoint() == null) return NONE;
        List<Address> out = new ArrayList<>();
        if (s.endpoint().virtualIPs() != null) {
            for (Service.VirtualIP vip : s.endpoint().virtualIPs()) {
                out.add(new Address(vip.networkId(), Ipv4Prefix.parse(vip.addr()).address()));
            }
        }
        List<Port> ports = new ArrayList<>();
        if (s.endpoint().ports() != null) {
            for (PortConfig p : s.endpoint().ports()) {
                if (p.publishModeOrDefault() == PublishMode.INGRESS && p.publishedPort() != 0) {
                    ports.add(new Port(p.protocolOrDefault(), p.publishedPort()));
                }
            }
        }
        return new Holdings(out, null, null, ports);
    }

    private static Holdings ofNetwork(Network n) {
        Network.IpamConfig c = n.allocated();
        List<Address> gateway = c == null || c.gateway() == null || c.gateway().isEmpty()
                ? List.of() : List.of(new Address(n.id(), Ipv4Prefix.parseAddress(c.gateway())));
        Ipv4Prefix subnet = n.subnet();
        return new Holdings(gateway, subnet == null ? null : subnet.masked(), n.vni(), List.of());
    }
}
