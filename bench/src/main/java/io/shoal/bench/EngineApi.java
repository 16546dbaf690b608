package io.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shoal.testkit.UnixHttp;
import java.io.IOException;

/** A daemon's Engine API as the benches call it: JSON over its unix socket, each call expecting one status. */
final class EngineApi {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The API version every path is sent under. */
    static final String VERSION = "/v1.45";
    private static final long READY_TIMEOUT_NANOS = 60_000_000_000L;

    private final UnixHttp http;

    EngineApi(UnixHttp http) {
        this.http = http;
    }

    /** Sends {@code json} (or nothing) and returns the body; throws unless the status is {@code expected}. */
    String call(String method, String path, String json, int expected) throws IOException {
        UnixHttp.Response r = http.send(method, VERSION + path, json);
        if (r.status() != expected) throw new IllegalStateException(method + " " + path + " -> " + r.status() + ": " + r.body());
        return r.body();
    }

    /** Makes the daemon a one-node swarm on loopback and waits until its node is ready. */
    void initSwarm() throws IOException, InterruptedException {
        call("POST", "/swarm/init", "{\"ListenAddr\":\"0.0.0.0:2377\",\"AdvertiseAddr\":\"127.0.0.1\"}", 200);
        long t0 = System.nanoTime();
        while (true) {
            JsonNode nodes = JSON.readTree(call("GET", "/nodes", null, 200));
            if (nodes.size() > 0 && "ready".equals(nodes.get(0).path("Status").path("State").asText())) return;
            if (System.nanoTime() - t0 > READY_TIMEOUT_NANOS) throw new IllegalStateException("node never ready: " + nodes);
            Thread.sleep(50);
        }
    }
}
