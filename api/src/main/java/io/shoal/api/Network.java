package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.shoal.common.Ipv4Prefix;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A swarm-scoped network as swarmkit stores it, and as a task's {@code NetworksAttachments} show
 * it: the user's spec, and what was allocated for it: the driver's state (the VXLAN id, and the
 * user's driver options such as the MTU) and the IPAM options with the subnet and gateway in use.
 */
public record Network(
        @JsonProperty("ID") String id,
        Version version,
        Instant createdAt,
        Instant updatedAt,
        Spec spec,
        Driver driverState,
        @JsonProperty("IPAMOptions") IpamOptions ipamOptions) implements StoredObject {

    /** The driver option that carries the network's VXLAN id, as the overlay driver writes it. */
    public static final String VXLAN_ID_LIST = "com.docker.network.driver.overlay.vxlanid_list";
    /** The driver option that sets the network's MTU. */
    public static final String MTU = "com.docker.network.driver.mtu";
    /**
     * The driver option that makes an overlay network encrypted: present at all, whatever its value,
     * as Docker's overlay driver reads it ({@code --opt encrypted}, shown as {@code "encrypted": ""}).
     */
    public static final String ENCRYPTED = "encrypted";
    /** The label of the networks a swarm makes for itself, hidden from lists: {@code host}. */
    public static final String PREDEFINED = "com.docker.swarm.predefined";

    public record Spec(String name, @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, String> labels,
                       Driver driverConfiguration,
                       @JsonProperty("IPv6Enabled") @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean ipv6Enabled,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean internal,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean attachable,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean ingress,
                       @JsonProperty("IPAMOptions") IpamOptions ipamOptions, String scope) {}

    public record IpamOptions(Driver driver, List<IpamConfig> configs) {}

    /** One subnet: CIDRs, and the gateway as a bare address. */
    public record IpamConfig(String subnet, String range, String gateway) {}

    @Override
    public Network committed(Version v, Instant now) {
        return new Network(id, v, createdAt == null ? now : createdAt, now, spec, driverState, ipamOptions);
    }

    /** The allocated subnet, or null while none is. */
    public IpamConfig allocated() {
        return ipamOptions == null || ipamOptions.configs() == null || ipamOptions.configs().isEmpty()
                ? null : ipamOptions.configs().getFirst();
    }

    /** The allocated subnet as a prefix, or null while none is. */
    public Ipv4Prefix subnet() {
        IpamConfig c = allocated();
        return c == null || c.subnet() == null ? null : Ipv4Prefix.parse(c.subnet());
    }

    /** The allocated VXLAN id, or null while none is. */
    public Integer vni() {
        String list = driverState == null || driverState.options() == null ? null : driverState.options().get(VXLAN_ID_LIST);
        if (list == null || list.isEmpty()) return null;
        int comma = list.indexOf(',');
        return Integer.valueOf(comma < 0 ? list : list.substring(0, comma));
    }

    /** The routing mesh's network: marked so, or named so by an older swarm's internal label. */
    public boolean isIngress() {
        return spec.ingress()
                || "ingress".equals(spec.name()) && spec.labels() != null && spec.labels().containsKey("com.docker.swarm.internal");
    }

    /** Its traffic between nodes is encrypted ({@link #ENCRYPTED}). */
    public boolean isEncrypted() {
        Driver d = spec.driverConfiguration();
        return d != null && d.options() != null && d.options().containsKey(ENCRYPTED);
    }

    /** Made by the swarm for itself (the host network): hidden from lists, never removed, never allocated. */
    public boolean isPredefined() {
        return spec.labels() != null && "true".equals(spec.labels().get(PREDEFINED));
    }
}
