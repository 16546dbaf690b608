package io.shoal.api;

import static io.shoal.api.GoldenJson.assertRoundTrip;
import static io.shoal.api.GoldenJson.read;
import static io.shoal.api.GoldenJson.resource;
import static io.shoal.api.GoldenJson.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A service and its spec as the docker CLI sends and reads them. The documents' container specs
 * set TTY, OpenStdin and ReadOnly: false is written today where Docker leaves it out (see
 * {@link #aContainerSpecWithoutTtyOpenStdinOrReadOnlyHasNone()}).
 */
class ServiceJsonTest {

    /** {@code GET /services/{id}}: every field the CLI's inspect, ls, ps and update read. */
    @Test
    void aServiceWritesAsDockerdReturnsIt() {
        Service s = assertRoundTrip(resource("service.json"), Service.class);
        assertEquals("9mnpnzenvg8p8tdbtq4wvbkcz", s.id());
        assertEquals(19, s.version().index());
        assertEquals(880065305, s.createdAt().getNano());
        assertEquals("web", s.spec().name());
    }

    /** {@code POST /services/create}: the spec as the CLI sends it is kept and shown back unchanged. */
    @Test
    void aSpecWritesAsTheCliSentIt() {
        assertRoundTrip(resource("service-spec.json"), ServiceSpec.class);
    }

    /** The CLI tells a global service by the presence of {@code Mode.Global}, an empty object. */
    @Test
    void aGlobalModeKeepsItsEmptyObject() {
        String spec = """
                {"Name":"agent","TaskTemplate":{"ForceUpdate":0},"Mode":{"Global":{}}}""";
        assertRoundTrip(spec, ServiceSpec.class);
        JsonNode mode = written(read(spec, ServiceSpec.class)).get("Mode");
        assertEquals(List.of("Global"), GoldenJson.fieldNames(mode));
        assertTrue(mode.get("Global").isObject());
        assertTrue(mode.get("Global").isEmpty());
    }

    @Test
    void jobModesRoundTrip() {
        assertRoundTrip("""
                {"Name":"migrate","Mode":{"ReplicatedJob":{"MaxConcurrent":2,"TotalCompletions":10}},
                 "TaskTemplate":{"ForceUpdate":0}}""", ServiceSpec.class);
        assertRoundTrip("""
                {"Name":"cleanup","Mode":{"GlobalJob":{}},"TaskTemplate":{"ForceUpdate":0}}""", ServiceSpec.class);
    }

    /**
     * What a spec leaves out stays out: the server applies the defaults where it reads the spec,
     * and the CLI's update keeps what it reads back (an UpdateConfig of zeros would mean all
     * tasks at once, a RestartPolicy with no condition something else than "any").
     */
    @Test
    void whatASpecLeavesOutIsLeftOut() {
        String spec = """
                {"Name":"web","TaskTemplate":{"ContainerSpec":{"Image":"busybox"},"ForceUpdate":0},
                 "Mode":{"Replicated":{"Replicas":1}}}""";
        JsonNode w = written(read(spec, ServiceSpec.class));
        for (String absent : new String[] {"Labels", "UpdateConfig", "RollbackConfig", "EndpointSpec", "Networks"}) {
            assertFalse(w.has(absent), absent);
        }
        JsonNode template = w.get("TaskTemplate");
        for (String absent : new String[] {"Resources", "RestartPolicy", "Placement", "Networks", "LogDriver", "Runtime"}) {
            assertFalse(template.has(absent), "TaskTemplate." + absent);
        }
        JsonNode container = template.get("ContainerSpec");
        for (String absent : new String[] {"Command", "Args", "Env", "Mounts", "Init", "StopGracePeriod", "Healthcheck",
                "Labels", "User", "Dir", "Hostname", "Secrets", "Configs", "DNSConfig", "Privileges", "Isolation"}) {
            assertFalse(container.has(absent), "ContainerSpec." + absent);
        }
    }

    /** A pointer bool in Go: false is set, and written, unlike absent (the daemon's default). */
    @Test
    void initFalseIsKept() {
        JsonNode init = written(read("""
                {"Name":"web","TaskTemplate":{"ContainerSpec":{"Image":"busybox","Init":false},"ForceUpdate":0}}""",
                ServiceSpec.class)).get("TaskTemplate").get("ContainerSpec").get("Init");
        assertTrue(init.isBoolean() && !init.booleanValue(), "Init written as " + init);
    }

    @Test
    void restartPolicyWithoutMaxAttemptsOrWindowHasNone() {
        JsonNode policy = written(read("""
                {"TaskTemplate":{"RestartPolicy":{"Condition":"none"},"ForceUpdate":0}}""", ServiceSpec.class))
                .get("TaskTemplate").get("RestartPolicy");
        assertEquals(List.of("Condition"), GoldenJson.fieldNames(policy));
    }

    @Test
    void aServiceWithoutPreviousSpecUpdateStatusOrServiceStatusHasNone() {
        String service = """
                {"ID":"s1","Version":{"Index":3},"CreatedAt":"2024-05-01T10:00:00.123456789Z","UpdatedAt":"2024-05-01T10:00:00.123456789Z",
                 "Spec":{"Name":"web","TaskTemplate":{"ForceUpdate":0},"Mode":{"Replicated":{"Replicas":1}}},
                 "Endpoint":{"Spec":{"Mode":"vip"}}}""";
        JsonNode w = written(read(service, Service.class));
        assertFalse(w.has("PreviousSpec"));
        assertFalse(w.has("UpdateStatus"));
        assertFalse(w.has("ServiceStatus"));
        assertFalse(w.has("JobStatus"));
        assertRoundTrip(service, Service.class);
    }

    @Test
    void anUpdateInProgressHasNoCompletedAt() {
        JsonNode status = written(read("""
                {"ID":"s1","UpdateStatus":{"State":"updating","StartedAt":"2024-05-01T10:00:00.000000001Z","Message":"update in progress"}}""",
                Service.class)).get("UpdateStatus");
        assertEquals(List.of("State", "StartedAt", "Message"), GoldenJson.fieldNames(status));
    }

    // Where the written JSON differs from Docker's types (api/types/swarm); none of these changes
    // what the docker CLI does, which reads a missing field and its zero alike.

    @Test
    void aContainerSpecWithoutTtyOpenStdinOrReadOnlyHasNone() {
        assertRoundTrip("""
                {"TaskTemplate":{"ContainerSpec":{"Image":"busybox"},"ForceUpdate":0}}""", ServiceSpec.class);
    }

    @Test
    void emptyLimitsAndReservationsStayEmpty() {
        assertRoundTrip("""
                {"TaskTemplate":{"Resources":{"Limits":{},"Reservations":{}},"ForceUpdate":0}}""", ServiceSpec.class);
        assertRoundTrip("""
                {"TaskTemplate":{"Resources":{"Limits":{"MemoryBytes":104857600}},"ForceUpdate":0}}""", ServiceSpec.class);
    }

    @Test
    void aPlacementWithoutMaxReplicasHasNone() {
        assertRoundTrip("""
                {"TaskTemplate":{"Placement":{"Platforms":[{"Architecture":"amd64","OS":"linux"}]},"ForceUpdate":0}}""",
                ServiceSpec.class);
    }

    @Test
    void aWritableMountHasNoReadOnly() {
        assertRoundTrip("""
                {"TaskTemplate":{"ContainerSpec":{"Image":"busybox","TTY":true,"OpenStdin":true,"ReadOnly":true,
                 "Mounts":[{"Type":"volume","Source":"data","Target":"/data"}]},
                 "ForceUpdate":0}}""", ServiceSpec.class);
    }

    @Test
    void aHealthcheckWithOnlyATestHasOnlyATest() {
        assertRoundTrip("""
                {"TaskTemplate":{"ContainerSpec":{"Image":"busybox","TTY":true,"OpenStdin":true,"ReadOnly":true,
                 "Healthcheck":{"Test":["NONE"]}},"ForceUpdate":0}}""",
                ServiceSpec.class);
    }

    @Test
    void aPortWithoutAPublishedPortHasNone() {
        assertRoundTrip("""
                {"EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishMode":"ingress"}]},
                 "TaskTemplate":{"ForceUpdate":0}}""", ServiceSpec.class);
    }

    @Test
    void anEmptyDnsConfigIsKept() {
        assertRoundTrip("""
                {"TaskTemplate":{"ContainerSpec":{"Image":"busybox","TTY":true,"OpenStdin":true,"ReadOnly":true,"DNSConfig":{}},"ForceUpdate":0}}""", ServiceSpec.class);
    }

    @Test
    void emptyLabelsAreKept() {
        assertRoundTrip("""
                {"Name":"web","Labels":{},"TaskTemplate":{"ForceUpdate":0}}""", ServiceSpec.class);
    }

    @Test
    void timesAreWrittenWithoutTrailingZeros() {
        assertRoundTrip("""
                {"ID":"s1","CreatedAt":"2024-05-01T10:00:00.5Z","UpdatedAt":"2024-05-01T10:00:00.12345678Z"}""", Service.class);
    }
}
