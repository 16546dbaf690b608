package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.ApiException;
import io.shoal.api.Driver;
import io.shoal.api.Json;
import io.shoal.api.Network;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.control.NetworkControl;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code /networks}: the swarm's networks (this daemon has no networks local to a host): create,
 * list, inspect (with {@code verbose}, the services and tasks on it), remove, prune, as dockerd
 * serves them to a manager's CLI.
 */
public final class NetworkRoutes {
    private final Supplier<ControlApi> control;

    /** What {@code docker network create} sends (Docker's NetworkCreateRequest). */
    record CreateRequest(String name, String driver, String scope, @JsonProperty("EnableIPv6") Boolean enableIPv6,
                         @JsonProperty("IPAM") Ipam ipam, boolean internal, boolean attachable, boolean ingress,
                         boolean configOnly, NetworkResource.ConfigReference configFrom, Map<String, String> options,
                         Map<String, String> labels) {}

    record Ipam(String driver, Map<String, String> options, List<IpamConfig> config) {}

    record IpamConfig(String subnet, @JsonProperty("IPRange") String ipRange, String gateway) {}

    /** @param control the control API of this node's manager, or Docker's refusal on a worker */
    public NetworkRoutes(Supplier<ControlApi> control) {
        this.control = control;
    }

    public void register(Router r) {
        r.add("GET", "/networks", this::list);
        r.add("POST", "/networks/create", this::create);
        r.add("POST", "/networks/prune", this::prune);
        r.add("GET", "/networks/{id}", this::inspect);
        r.add("DELETE", "/networks/{id}", req -> {
            networks().remove(req.param("id"));
            return Router.Reply.empty(204);
        });
        Router.Handler containers = req -> {
            throw new ApiException(501, "connecting containers to networks is not supported by this daemon yet");
        };
        r.add("POST", "/networks/{id}/connect", containers);
        r.add("POST", "/networks/{id}/disconnect", containers);
    }

    private NetworkControl networks() {
        return control.get().networks();
    }

    private Object list(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("dangling", "driver", "id", "label", "name", "scope", "type"));
        List<String> dangling = f.get("dangling");
        if (dangling.size() > 1) throw ApiException.invalid("got more than one value for filter key \"dangling\"");
        Boolean danglingOnly = dangling.isEmpty() ? null : switch (dangling.getFirst()) {
            case "1", "true" -> true;
            case "0", "false" -> false;
            default -> throw ApiException.invalid(
                    "invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or \"0\")");
        };
        return networks().list(new NetworkControl.Query(f.get("name"), f.get("id"), f.get("label"), f.get("driver"),
                f.get("scope"), f.get("type"), danglingOnly)).stream().map(NetworkResource::of).toList();
    }

    private Object inspect(ApiRequest req) {
        boolean verbose = goBool("verbose", req.query("verbose"));
        String scope = req.query("scope");
        Network n = networks().get(req.param("id"));
        // Every network here is the swarm's: asked for another scope, there is none.
        if (scope != null && !scope.isEmpty() && !scope.equals(n.spec().scope())) {
            throw ApiException.notFound("network %s not found", req.param("id"));
        }
        return verbose ? NetworkResource.verbose(n, networks().endpoints(n.id())) : NetworkResource.of(n);
    }

    /** Go's strconv.ParseBool, which dockerd reads {@code verbose} with; absent is false. */
    private static boolean goBool(String name, String v) {
        if (v == null || v.isEmpty()) return false;
        return switch (v) {
            case "1", "t", "T", "TRUE", "true", "True" -> true;
            case "0", "f", "F", "FALSE", "false", "False" -> false;
            default -> throw ApiException.invalid("invalid value for %s: %s", name, v);
        };
    }

    private Object create(ApiRequest req) {
        CreateRequest c = req.json(CreateRequest.class);
        if (c.configOnly() || c.configFrom() != null && c.configFrom().network() != null && !c.configFrom().network().isEmpty()) {
            throw new ApiException(501, "config-only networks are not supported by this daemon yet");
        }
        Network.IpamOptions ipam = c.ipam() == null ? null : new Network.IpamOptions(
                new Driver(c.ipam().driver() == null || c.ipam().driver().isEmpty() ? "default" : c.ipam().driver(), c.ipam().options()),
                c.ipam().config() == null ? null : c.ipam().config().stream()
                        .map(i -> new Network.IpamConfig(i.subnet(), i.ipRange(), i.gateway())).toList());
        String id = networks().create(new Network.Spec(c.name(), c.labels(), new Driver(c.driver(), c.options()),
                c.enableIPv6() != null && c.enableIPv6(), c.internal(), c.attachable(), c.ingress(), ipam, null));
        ObjectNode body = Json.MAPPER.createObjectNode().put("Id", id).put("Warning", "");
        return Router.Reply.json(201, body);
    }

    private Object prune(ApiRequest req) {
        Filters f = req.filters().allow(Set.of("until", "label", "label!"));
        List<String> until = f.get("until");
        if (until.size() > 1) throw ApiException.invalid("more than one until filter specified");
        List<String> deleted = networks().prune(f.get("label"), f.get("label!"),
                until.isEmpty() ? null : Timestamps.parse(until.getFirst(), Instant.now()));
        ObjectNode body = Json.MAPPER.createObjectNode();
        // Docker writes null, not [], when nothing was removed.
        if (deleted.isEmpty()) body.putNull("NetworksDeleted");
        else deleted.forEach(body.putArray("NetworksDeleted")::add);
        return body;
    }
}
