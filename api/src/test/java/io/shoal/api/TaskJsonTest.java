package io.shoal.api;

import static io.shoal.api.GoldenJson.assertRoundTrip;
import static io.shoal.api.GoldenJson.read;
import static io.shoal.api.GoldenJson.resource;
import static io.shoal.api.GoldenJson.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A task as {@code GET /tasks} returns it to {@code docker service ps}. */
class TaskJsonTest {
    @Test
    void aTaskWritesAsDockerdReturnsIt() {
        Task t = assertRoundTrip(resource("task.json"), Task.class);
        assertEquals("0kzzo1i0y4jz6027t0k7aezc7", t.id());
        assertEquals(71, t.version().index());
        assertEquals("9mnpnzenvg8p8tdbtq4wvbkcz", t.serviceId());
        assertEquals("60gvrl6tm78dmak4yl7srz94v", t.nodeId());
    }

    /** {@code docker service ps} shows an unassigned task's node as empty: there must be no NodeID at all. */
    @Test
    void aTaskNotYetAssignedHasNoNodeId() {
        String pending = """
                {"ID":"t1","Version":{"Index":5},"CreatedAt":"2024-05-01T10:00:00.123456789Z","UpdatedAt":"2024-05-01T10:00:00.123456789Z",
                 "Spec":{"ForceUpdate":0},"ServiceID":"s1","Slot":2,
                 "Status":{"Timestamp":"2024-05-01T10:00:00.123456789Z","State":"pending","Message":"pending task scheduling",
                           "Err":"no suitable node (1 node not available for new tasks)"},
                 "DesiredState":"running"}""";
        JsonNode w = written(read(pending, Task.class));
        assertFalse(w.has("NodeID"));
        assertFalse(w.has("NetworksAttachments"));
        assertFalse(w.get("Status").has("ContainerStatus"));
        assertRoundTrip(pending, Task.class);
    }

    @Test
    void aStatusWithoutAnErrorHasNoErr() {
        JsonNode status = written(read("""
                {"ID":"t1","Slot":1,"Status":{"Timestamp":"2024-05-01T10:00:00.123456789Z","State":"running","Message":"started",
                 "ContainerStatus":{"ContainerID":"c1","PID":12,"ExitCode":0}},"DesiredState":"running"}""", Task.class)).get("Status");
        assertEquals(List.of("Timestamp", "State", "Message", "ContainerStatus"), GoldenJson.fieldNames(status));
        assertEquals(List.of("ContainerID", "PID", "ExitCode"), GoldenJson.fieldNames(status.get("ContainerStatus")));
    }

    @Test
    void everyTaskStateIsWrittenInLowerCase() {
        for (String state : List.of("new", "pending", "assigned", "accepted", "preparing", "ready", "starting", "running",
                "complete", "shutdown", "failed", "rejected", "remove", "orphaned")) {
            String json = "{\"ID\":\"t1\",\"Slot\":1,\"Status\":{\"State\":\"" + state + "\"},\"DesiredState\":\"" + state + "\"}";
            assertRoundTrip(json, Task.class);
        }
    }

    /** swarmkit's Task.Endpoint: the service's when the task was made, its ports allocated. */
    @Test
    void aTaskCarriesItsEndpoint() {
        Task t = assertRoundTrip("""
                {"ID":"t1","Slot":1,"DesiredState":"running",
                 "Endpoint":{"Spec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishMode":"host"}]},
                             "Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":30000,"PublishMode":"host"}]}}""", Task.class);
        assertEquals(30000, t.endpoint().ports().getFirst().publishedPort());
        assertFalse(t.publishesIngress());
    }

    @Test
    void aTaskHasNoRunnableField() {
        assertRoundTrip("""
                {"ID":"t1","Slot":1,"DesiredState":"running"}""", Task.class);
    }

    @Test
    void aTaskWithoutADesiredStateIsWritten() {
        assertRoundTrip("""
                {"ID":"t1","Slot":1}""", Task.class);
    }

    @Test
    void aGlobalServicesTaskHasNoSlot() {
        assertRoundTrip("""
                {"ID":"t1","ServiceID":"s1","NodeID":"n1","DesiredState":"running"}""", Task.class);
    }

    /** The attached network is written as it was given; Docker keeps its empty driver objects. */
    @Test
    void emptyObjectsOfAnAttachedNetworkAreKept() {
        assertRoundTrip("""
                {"ID":"t1","Slot":1,"DesiredState":"running","NetworksAttachments":[{"Network":{"ID":"n1",
                 "Spec":{"Name":"ingress","DriverConfiguration":{},"IPAMOptions":{"Driver":{},"Configs":[{"Subnet":"10.255.0.0/16"}]}}},
                 "Addresses":["10.255.0.10/16"]}]}""", Task.class);
    }
}
