package io.shoal.api;

import static io.shoal.api.GoldenJson.assertRoundTrip;
import static io.shoal.api.GoldenJson.read;
import static io.shoal.api.GoldenJson.resource;
import static io.shoal.api.GoldenJson.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** A node as {@code GET /nodes} returns it to {@code docker node ls} and {@code inspect}. */
class NodeJsonTest {
    @Test
    void aNodeWritesAsDockerdReturnsIt() {
        Node n = assertRoundTrip(resource("node.json"), Node.class);
        assertEquals("24ifsmvkjbyhk", n.id());
        assertEquals("bf3067039e47", n.hostname());
    }

    /** {@code docker node ls} leaves MANAGER STATUS empty, and {@code inspect --pretty} its section out, for a worker. */
    @Test
    void aWorkerHasNoManagerStatus() {
        String worker = """
                {"ID":"w1","Version":{"Index":9},"CreatedAt":"2024-05-01T10:00:00.123456789Z","UpdatedAt":"2024-05-01T10:00:01.123456789Z",
                 "Spec":{"Labels":{"zone":"a"},"Role":"worker","Availability":"drain"},
                 "Description":{"Hostname":"worker-1","Platform":{"Architecture":"aarch64","OS":"linux"},
                                "Resources":{"NanoCPUs":2000000000,"MemoryBytes":4000000000},"Engine":{"EngineVersion":"0.1.0"}},
                 "Status":{"State":"down","Message":"heartbeat failure","Addr":"10.0.0.7"}}""";
        JsonNode w = written(read(worker, Node.class));
        assertFalse(w.has("ManagerStatus"));
        assertFalse(w.get("Spec").has("Name"));
        assertFalse(w.get("Description").has("TLSInfo"));
        assertRoundTrip(worker, Node.class);
    }

    @Test
    void aNodeHasNoReadyOrDownField() {
        assertRoundTrip("""
                {"ID":"n1","Status":{"State":"ready","Addr":"10.0.0.5"}}""", Node.class);
    }

    /** swarmkit's node attachments: the node's address on the ingress network. */
    @Test
    void aNodeKeepsItsIngressAddress() {
        Node n = assertRoundTrip("""
                {"ID":"n1","Status":{"State":"ready","Addr":"10.0.0.5"},
                 "Attachments":[{"Network":{"ID":"i1","Spec":{"Name":"ingress","Ingress":true}},"Addresses":["10.0.0.2/24"]}]}""",
                Node.class);
        assertEquals("10.0.0.2/24", n.addressOn("i1"));
        assertNull(n.addressOn("other"));
    }

    @Test
    void aFollowerHasNoLeaderField() {
        assertRoundTrip("""
                {"ID":"m2","ManagerStatus":{"Reachability":"unreachable","Addr":"10.0.0.8:2377"}}""", Node.class);
    }

    @Test
    void aDescriptionWithoutResourcesHasNone() {
        assertRoundTrip("""
                {"ID":"n1","Description":{"Hostname":"h1","Resources":{}}}""", Node.class);
    }
}
