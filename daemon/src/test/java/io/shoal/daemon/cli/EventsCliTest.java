package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.shoal.testkit.DaemonProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code docker events} on a one-node swarm (process executor): a bounded query with
 * {@code --since}/{@code --until} returns and ends, with the service's swarm events and its
 * container's local ones (a die with its exit code); filters; and a stream without
 * {@code --until} that shows events as they happen.
 */
class EventsCliTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    @RegisterExtension
    static final OneNodeSwarm SWARM = new OneNodeSwarm("shoal-events");
    private static DaemonProcess daemon;

    @BeforeAll
    static void initialized() {
        daemon = SWARM.daemon();
    }

    private static String docker(String... args) {
        return SWARM.docker(args);
    }

    private static List<JsonNode> events(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("events", "--format", "{{json .}}"));
        all.addAll(List.of(args));
        List<JsonNode> out = new ArrayList<>();
        for (String line : docker(all.toArray(String[]::new)).split("\n")) {
            if (!line.isBlank()) out.add(JSON.readTree(line));
        }
        return out;
    }

    private static String brief(JsonNode e) {
        return e.path("Type").asText() + " " + e.path("Action").asText() + " " + e.path("Actor").path("Attributes").path("name").asText();
    }

    @Test
    void aBoundedQueryShowsTheServiceAndItsContainerDyingWithItsExitCode() throws Exception {
        String since = Long.toString(System.currentTimeMillis() / 1000 - 1);
        String id = docker("service", "create", "--detach", "--name", "dies", "--restart-condition", "none",
                "busybox", "sh", "-c", "sleep 0.5; exit 3").trim();
        eventually(CONVERGE, () -> docker("service", "ps", "dies", "--format", "{{.CurrentState}}").startsWith("Failed"));
        String until = Long.toString(System.currentTimeMillis() / 1000 + 1);
        List<JsonNode> all = events("--since", since, "--until", until);
        List<String> seen = all.stream().map(EventsCliTest::brief).toList();

        JsonNode created = all.stream().filter(e -> brief(e).equals("service create dies")).findFirst()
                .orElseThrow(() -> new AssertionError("no service create in " + seen));
        assertEquals(id, created.path("Actor").path("ID").asText());
        assertEquals("swarm", created.path("scope").asText());
        assertTrue(created.path("timeNano").asLong() / 1_000_000_000L == created.path("time").asLong());

        List<JsonNode> mine = all.stream().filter(e -> e.path("Type").asText().equals("container")
                && e.path("Actor").path("Attributes").path("com.docker.swarm.service.name").asText().equals("dies")).toList();
        JsonNode die = mine.stream().filter(e -> e.path("Action").asText().equals("die")).findFirst().orElseThrow(() -> new AssertionError("no container die in " + seen));
        assertEquals("3", die.path("Actor").path("Attributes").path("exitCode").asText());
        assertEquals("local", die.path("scope").asText());
        List<String> containerActions = mine.stream().map(e -> e.path("Action").asText()).toList();
        assertEquals(List.of("create", "start", "die"), containerActions, "in order: " + seen);

        // The CLI turns durations into times itself ("now" it refuses, as Docker's does): 0s is now.
        assertTrue(events("--since", "1m", "--until", "0s").stream().anyMatch(e -> brief(e).equals("service create dies")),
                "--since 1m --until 0s returns what happened in the last minute");
        assertTrue(events("--since", since, "--until", until, "--filter", "type=service").stream()
                .allMatch(e -> e.path("Type").asText().equals("service")));
        assertTrue(events("--since", since, "--until", until, "--filter", "event=die", "--filter", "service=dies").isEmpty(),
                "a service filter matches service events only, as dockerd's");
        assertTrue(events("--since", since, "--until", until, "--filter", "event=die", "--filter", "scope=local").stream()
                .anyMatch(e -> e.path("Actor").path("Attributes").path("exitCode").asText().equals("3")));
    }

    @Test
    void aStreamShowsEventsAsTheyHappen() throws Exception {
        // From a second ago, so that a client slower to connect than the create is quick still sees it.
        String since = Long.toString(System.currentTimeMillis() / 1000 - 1);
        Process p = daemon.dockerProcess("events", "--since", since, "--filter", "type=service", "--filter", "service=streamed", "--format",
                "{{.Action}} {{.Actor.Attributes.name}} {{index .Actor.Attributes \"replicas.new\"}}").start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) lines.add(l.trim());
            } catch (Exception ignored) {
                // the stream ends when the test kills the client
            }
        });
        try {
            docker("service", "create", "--detach", "--name", "streamed", "busybox", "sleep", "100");
            assertEquals("create streamed", lines.poll(20, TimeUnit.SECONDS));
            docker("service", "scale", "--detach", "streamed=2");
            String scaled = null;
            for (String l; (l = lines.poll(20, TimeUnit.SECONDS)) != null; ) {
                if (l.endsWith(" 2")) {
                    scaled = l;
                    break;
                }
            }
            assertEquals("update streamed 2", scaled, "an update says the new replica count");
            assertTrue(p.isAlive(), "without --until the stream goes on");
        } finally {
            p.destroyForcibly();
        }
    }
}
