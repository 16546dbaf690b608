package io.shoal.manager.control;

import io.shoal.api.ApiException;
import io.shoal.api.Driver;
import io.shoal.api.Network;
import io.shoal.common.Ipv4Prefix;
import io.shoal.manager.allocator.NetworkAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a network spec before it is allocated and stored, in the order and words of dockerd
 * (daemon/network.go, api/types/network/ipam.go) and swarmkit (controlapi/network.go), and
 * refuses what this daemon does not build yet with a clear 501.
 */
final class NetworkSpecs {
    /** swarmkit's isValidDNSName: the network's name is a DNS label its services are resolved under. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*");
    /** The networks every Docker host has, named by dockerd's IsPreDefinedNetwork. */
    private static final Set<String> PREDEFINED = Set.of("bridge", "host", "none", "default");
    /** Drivers of networks local to one host, which a swarm has no part in. */
    private static final Set<String> LOCAL_DRIVERS = Set.of("bridge", "host", "null", "macvlan", "ipvlan");
    /**
     * An option that reads as encryption but that Docker's overlay driver does not know (it reads
     * {@code encrypted} only): refused, so nobody gets a plain network believing it encrypted.
     */
    private static final String MISTAKEN_ENCRYPTED = "com.docker.network.driver.overlay.encrypted";

    private NetworkSpecs() {}

    static void validate(Network.Spec spec) {
        if (spec == null) throw ApiException.invalid("network spec must be provided");
        if (spec.name() != null && PREDEFINED.contains(spec.name())) {
            throw new ApiException(403, "operation is not permitted on predefined " + spec.name() + " network");
        }
        validateIpam(spec);
        if (spec.attachable() && spec.ingress()) throw ApiException.invalid("ingress network cannot be attachable");
        if (spec.name() == null || spec.name().isEmpty()) throw ApiException.invalid("meta: name must be provided");
        if (!NAME.matcher(spec.name()).matches()) throw ApiException.invalid("name must be valid as a DNS name component");
        if (spec.name().length() > 63) throw ApiException.invalid("name must be 63 characters or fewer");
        if (spec.labels() != null && spec.labels().containsKey(Network.PREDEFINED)) {
            throw new ApiException(403, "label " + Network.PREDEFINED
                    + " is for internally created predefined networks and cannot be applied by users");
        }
        validateDriver(spec);
    }

    /** dockerd's ValidateIPAM: every fault of every config, listed under "invalid network config". */
    private static void validateIpam(Network.Spec spec) {
        Network.IpamOptions ipam = spec.ipamOptions();
        if (ipam == null || ipam.configs() == null) return;
        List<String> faults = new ArrayList<>();
        for (Network.IpamConfig c : ipam.configs()) {
            Ipv4Prefix subnet;
            try {
                subnet = Ipv4Prefix.parse(c.subnet());
            } catch (IllegalArgumentException e) {
                if (c.subnet() != null && c.subnet().contains(":")) {
                    throw new ApiException(501, "IPv6 networks are not supported by this daemon yet");
                }
                faults.add("invalid subnet " + c.subnet() + ": invalid CIDR block notation");
                continue;
            }
            if (!subnet.isMasked()) faults.add("invalid subnet " + subnet + ": it should be " + subnet.masked());
            if (c.range() != null && !c.range().isEmpty()) {
                try {
                    Ipv4Prefix range = Ipv4Prefix.parse(c.range());
                    if (range.bits() < subnet.bits()) {
                        faults.add("invalid ip-range " + c.range() + ": CIDR block is bigger than its parent subnet " + subnet);
                    }
                    if (!range.isMasked()) faults.add("invalid ip-range " + range + ": it should be " + range.masked());
                    if (!subnet.overlaps(range)) {
                        faults.add("invalid ip-range " + c.range() + ": parent subnet " + subnet + " doesn't contain ip-range");
                    }
                } catch (IllegalArgumentException e) {
                    faults.add("invalid ip-range " + c.range() + ": invalid CIDR block notation");
                }
            }
            if (c.gateway() != null && !c.gateway().isEmpty()) {
                try {
                    if (!subnet.contains(Ipv4Prefix.parseAddress(c.gateway()))) {
                        faults.add("invalid gateway " + c.gateway() + ": parent subnet " + subnet + " doesn't contain this address");
                    }
                } catch (IllegalArgumentException e) {
                    faults.add("invalid gateway " + c.gateway() + ": invalid address");
                }
            }
        }
        if (faults.size() == 1) throw ApiException.invalid("invalid network config:\n%s", faults.getFirst());
        if (!faults.isEmpty()) throw ApiException.invalid("invalid network config:\n* %s", String.join("\n* ", faults));
        if (ipam.configs().size() > 1) {
            throw new ApiException(501, "networks with more than one subnet are not supported by this daemon yet");
        }
    }

    private static void validateDriver(Network.Spec spec) {
        Driver d = spec.driverConfiguration();
        String name = d == null || d.name() == null ? "" : d.name();
        if (spec.ingress() && !name.isEmpty() && !name.equals(NetworkAllocator.DRIVER)) {
            throw new ApiException(501, "only overlay driver is currently supported for ingress network");
        }
        if (LOCAL_DRIVERS.contains(name)) {
            throw new ApiException(501, name + " networks are local to a host and not supported by this daemon:"
                    + " create a swarm network with -d overlay");
        }
        if (!name.isEmpty() && !name.equals(NetworkAllocator.DRIVER)) throw ApiException.invalid("plugin %s not supported", name);
        Network.IpamOptions ipam = spec.ipamOptions();
        if (ipam != null && ipam.driver() != null && ipam.driver().name() != null && !ipam.driver().name().isEmpty()
                && !ipam.driver().name().toLowerCase(Locale.ROOT).equals(NetworkAllocator.DEFAULT_IPAM)) {
            throw ApiException.invalid("plugin %s not supported", ipam.driver().name());
        }
        if (spec.ipv6Enabled()) throw new ApiException(501, "IPv6 networks are not supported by this daemon yet");
        Map<String, String> options = d == null || d.options() == null ? Map.of() : d.options();
        if (options.containsKey(MISTAKEN_ENCRYPTED)) {
            throw ApiException.invalid("%s is not an option of the overlay driver: use --opt %s", MISTAKEN_ENCRYPTED,
                    Network.ENCRYPTED);
        }
        String mtu = options.get(Network.MTU);
        if (mtu != null) {
            try {
                int value = Integer.parseInt(mtu);
                // 0 is the default; below 68 no IPv4 packet fits, and the kernel refuses it.
                if (value < 0 || value > 0 && value < 68) throw ApiException.invalid("invalid MTU value: %s", mtu);
            } catch (NumberFormatException e) {
                throw ApiException.invalid("failed to parse %s: not a number", mtu);
            }
        }
    }
}
