package io.shoal.daemon.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;

/**
 * One event as the Engine API's {@code /events} sends it (moby's events.Message): what happened
 * ({@code Action}) to which object ({@code Type}, {@code Actor}), whether the swarm or only this
 * node saw it ({@code scope}), and when. Container events also carry the legacy {@code status},
 * {@code id} and {@code from} fields, as dockerd's do.
 */
public record EventMessage(
        @JsonProperty("status") @JsonInclude(JsonInclude.Include.NON_NULL) String status,
        @JsonProperty("id") @JsonInclude(JsonInclude.Include.NON_NULL) String id,
        @JsonProperty("from") @JsonInclude(JsonInclude.Include.NON_NULL) String from,
        @JsonProperty("Type") String type,
        @JsonProperty("Action") String action,
        @JsonProperty("Actor") Actor actor,
        @JsonProperty("scope") String scope,
        @JsonProperty("time") long time,
        @JsonProperty("timeNano") long timeNano) {

    public record Actor(@JsonProperty("ID") String id,
                        @JsonProperty("Attributes") @JsonInclude(JsonInclude.Include.ALWAYS) Map<String, String> attributes) {}

    /** An event of the swarm's state (service, node, network, secret, config), which every manager reports. */
    static EventMessage swarm(String type, String action, String id, Map<String, String> attributes, Instant at) {
        return new EventMessage(null, null, null, type, action, new Actor(id, attributes), "swarm",
                at.getEpochSecond(), nanos(at));
    }

    /** An event of a container of this node. */
    public static EventMessage container(String action, String id, String image, Map<String, String> attributes, Instant at) {
        return new EventMessage(action, id, image, "container", action, new Actor(id, attributes), "local",
                at.getEpochSecond(), nanos(at));
    }

    private static long nanos(Instant at) {
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }

    public Instant at() {
        return Instant.ofEpochSecond(0, timeNano);
    }
}
