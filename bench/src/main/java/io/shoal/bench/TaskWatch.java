package io.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.testkit.UnixHttp;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Polls a service's tasks through the Engine API until a number of them run, and keeps what was
 * seen of each. Times come from the tasks' own statuses (the agents' clocks, this machine's), not
 * from when a poll saw them, so the poll interval does not blur a figure.
 */
final class TaskWatch {
    private static final long TIMEOUT_NANOS = 120_000_000_000L;
    /** As {@code docker service create}'s progress display polls. */
    static final long PROGRESS_POLL_MILLIS = 200;

    /** What was seen of a task: its creation, its ASSIGNED status time if a poll caught it, its RUNNING status time. */
    static final class Obs {
        String task;
        Instant created;
        Instant assigned;
        boolean pastAssigned;
        Instant running;

        double createdToRunning() {
            return Duration.between(created, running).toNanos() / 1e9;
        }

        double assignedToRunning() {
            return assigned == null ? Double.NaN : Duration.between(assigned, running).toNanos() / 1e9;
        }
    }

    private TaskWatch() {}

    /**
     * Polls /tasks until the service has {@code replicas} running tasks: every {@code firstMillis}
     * until every task has been seen assigned or further on, then every 200 ms, as {@code docker
     * service create}'s progress display polls. A task stays ASSIGNED until its agent's first report
     * is committed (RUNNING, when the start takes under the agent's 250 ms linger for the states on
     * the way), so 10 ms polls catch it; after that the polls only wait for the end, and each poll is
     * work for the daemon on the cores the containers start on. One kept-alive connection, as an API
     * client's pool keeps it: a new connection per poll cost the daemon ~2 ms each.
     */
    static Map<String, Obs> await(UnixHttp http, String service, int replicas, long firstMillis, boolean verbose) throws Exception {
        Map<String, Obs> seen = new HashMap<>();
        String path = "/tasks?filters=" + URLEncoder.encode("{\"service\":{\"" + service + "\":true}}", StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        try (UnixHttp.KeepAlive poller = http.keepAlive()) {
            while (true) {
                int running = 0;
                UnixHttp.Response r = poller.send("GET", EngineApi.VERSION + path, null);
                if (r.status() != 200) throw new IllegalStateException("GET " + path + " -> " + r.status() + ": " + r.body());
                for (JsonNode t : EngineApi.JSON.readTree(r.body())) {
                    if (!"running".equals(t.path("DesiredState").asText())) continue;
                    Obs o = seen.computeIfAbsent(t.path("ID").asText(), k -> new Obs());
                    o.task = t.path("ID").asText();
                    o.created = Instant.parse(t.path("CreatedAt").asText());
                    String state = t.path("Status").path("State").asText();
                    Instant ts = Instant.parse(t.path("Status").path("Timestamp").asText());
                    if (state.equals("assigned")) o.assigned = ts;
                    if (!List.of("new", "pending", "assigned").contains(state)) o.pastAssigned = true;
                    if (state.equals("running")) {
                        if (o.running == null) o.running = ts;
                        running++;
                    }
                    if (state.equals("failed") || state.equals("rejected")) {
                        throw new IllegalStateException("task " + o.task + " " + state + ": " + t.path("Status").path("Err").asText());
                    }
                }
                if (running == replicas) return seen;
                if (System.nanoTime() - t0 > TIMEOUT_NANOS) throw new IllegalStateException(service + ": not converged, " + running + " running");
                if (verbose) System.err.printf("%s: %d running%n", service, running);
                boolean allPastPending = seen.size() == replicas && seen.values().stream().allMatch(o -> o.assigned != null || o.pastAssigned);
                Thread.sleep(allPastPending ? PROGRESS_POLL_MILLIS : firstMillis);
            }
        }
    }
}
