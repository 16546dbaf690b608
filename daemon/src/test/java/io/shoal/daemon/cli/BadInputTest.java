package io.shoal.daemon.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.api.Json;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.UnixHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad request gets a 4xx with a message that names the problem, the daemon keeps
 * serving, and nothing stored changes.
 */
class BadInputTest {
    static DaemonProcess daemon;
    static UnixHttp api;

    static final String GOOD = """
            {"Name":"good","TaskTemplate":{"ContainerSpec":{"Image":"busybox","Args":["sleep","1000"]}},
             "Mode":{"Replicated":{"Replicas":0}}}""";

    @BeforeAll
    static void start() throws Exception {
        daemon = new DaemonProcess(Files.createTempDirectory("shoal-bad")).start();
        api = daemon.http();
        var init = api.post("/v1.45/swarm/init", "{\"ListenAddr\":\"0.0.0.0:2377\",\"AdvertiseAddr\":\"127.0.0.1\"}");
        assertEquals(200, init.status(), init.body());
        assertEquals(201, api.post("/v1.45/services/create", GOOD).status());
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon == null) return;
        api.post("/v1.45/swarm/leave?force=1", null);
        daemon.close();
    }

    /** Sends a bad request and checks the status, that the message mentions {@code expected}, and that the store is as it was. */
    static void refused(String method, String path, String body, int status, String expected) throws Exception {
        String before = api.get("/v1.45/services").body();
        var r = api.send(method, path, body);
        assertEquals(status, r.status(), method + " " + path + " -> " + r.body());
        assertTrue(r.headers().getOrDefault("content-type", "").startsWith("application/json"), r.headers().toString());
        JsonNode json = Json.MAPPER.readTree(r.body());
        String message = json.path("message").asText();
        assertTrue(message.contains(expected), "message '" + message + "' should mention '" + expected + "'");
        assertEquals(before, api.get("/v1.45/services").body(), "nothing stored changed");
        assertEquals(200, api.get("/_ping").status(), "daemon still serving");
    }

    static String spec(String mode, String image, String extra) {
        return "{\"Name\":\"svc\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":" + image + "}" + extra + "},\"Mode\":" + mode + "}";
    }

    @Test
    void malformedJson() throws Exception {
        refused("POST", "/v1.45/services/create", "{\"Name\": \"x\",", 400, "invalid JSON");
        refused("POST", "/v1.45/services/create", "", 400, "body must be provided");
        refused("POST", "/v1.45/services/create", "[1,2]", 400, "must be an object");
    }

    @Test
    void wrongFieldTypes() throws Exception {
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{\"Replicas\":\"three\"}}", "\"busybox\"", ""),
                400, "Replicas");
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{}}", "42", ""), 400, "Image");
    }

    @Test
    void invalidModes() throws Exception {
        refused("POST", "/v1.45/services/create", spec("{\"Sometimes\":{}}", "\"busybox\"", ""), 400, "unknown service mode Sometimes");
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{\"Replicas\":-1}}", "\"busybox\"", ""), 400, "invalid replicas -1");
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{},\"Global\":{}}", "\"busybox\"", ""), 400, "exactly one");
    }

    @Test
    void invalidSpecs() throws Exception {
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{}}", "\"\"", ""), 400, "image reference must be provided");
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{}}", "\"busybox\"",
                ",\"Placement\":{\"Constraints\":[\"node.role=manager\"]}"), 400, "invalid constraint 'node.role=manager'");
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{}}", "\"busybox\"",
                ",\"RestartPolicy\":{\"Condition\":\"sometimes\"}"), 400, "invalid condition sometimes");
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{}}", "\"busybox\"",
                ",\"RestartPolicy\":{\"Delay\":-5}"), 400, "cannot be negative");
        refused("POST", "/v1.45/services/create", "{\"Name\":\"bad name!\",\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"busybox\"}}}",
                400, "valid as a DNS name");
    }

    @Test
    void aNullPortIsRefused() throws Exception {
        refused("POST", "/v1.45/services/create", spec("{\"Replicated\":{}}", "\"busybox\"", "")
                .replaceFirst("}$", ",\"EndpointSpec\":{\"Ports\":[null]}}"), 400, "a port must be an object");
    }

    @Test
    void endpointsNotServedYetSaySo() throws Exception {
        refused("GET", "/v1.45/events?since=10&until=5", null, 400, "cannot be after `until` time");
        refused("GET", "/v1.45/events?filters=%7B%22colour%22%3A%5B%22red%22%5D%7D", null, 400, "invalid filter 'colour'");
        refused("GET", "/v1.45/system/df", null, 501, "system data usage is not supported by this daemon yet");
    }

    @Test
    void duplicateName() throws Exception {
        refused("POST", "/v1.45/services/create", GOOD, 409, "service good already exists");
    }

    @Test
    void unknownObjects() throws Exception {
        refused("GET", "/v1.45/services/nosuchservice", null, 404, "service nosuchservice not found");
        refused("POST", "/v1.45/services/nosuchservice/update?version=1", GOOD, 404, "service nosuchservice not found");
        refused("DELETE", "/v1.45/services/nosuchservice", null, 404, "not found");
        refused("GET", "/v1.45/nodes/nosuchnode", null, 404, "node nosuchnode not found");
        refused("POST", "/v1.45/nodes/nosuchnode/update?version=1", "{\"Availability\":\"drain\"}", 404, "node nosuchnode not found");
        refused("GET", "/v1.45/tasks/nosuchtask", null, 404, "task nosuchtask not found");
        refused("GET", "/v1.45/no/such/endpoint", null, 404, "page not found");
    }

    @Test
    void badUpdateParameters() throws Exception {
        refused("POST", "/v1.45/services/good/update", GOOD, 400, "missing version");
        refused("POST", "/v1.45/services/good/update?version=abc", GOOD, 400, "invalid version");
        refused("POST", "/v1.45/services/good/update?version=1", GOOD.replace("\"Replicated\":{\"Replicas\":0}", "\"Global\":{}"),
                409, "update out of sequence");
        refused("POST", "/v1.45/nodes/" + nodeId() + "/update?version=1", "{\"Availability\":\"sideways\"}", 400, "invalid availability");
        refused("GET", "/v1.45/tasks?filters=notjson", null, 400, "invalid filter");
        refused("GET", "/v1.45/tasks?filters={\"colour\":[\"red\"]}", null, 400, "invalid filter 'colour'");
    }

    @Test
    void hugeBody() throws Exception {
        String huge = "{\"Name\":\"" + "x".repeat(17 << 20) + "\"}";
        refused("POST", "/v1.45/services/create", huge, 413, "too large");
    }

    @Test
    void tooNewApiVersion() throws Exception {
        refused("GET", "/v1.99/services", null, 400, "client version 1.99 is too new");
    }

    static String nodeId() throws Exception {
        return Json.MAPPER.readTree(api.get("/v1.45/nodes").body()).get(0).get("ID").asText();
    }
}
