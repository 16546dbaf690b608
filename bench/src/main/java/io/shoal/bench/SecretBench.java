package io.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.shoal.testkit.DaemonProcess;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Secret delivery: from {@code docker service update --secret-rm s<i-1> --secret-add
 * source=s<i>,target=app} until the new task's container reads the new value at
 * {@code /run/secrets/app}, beside the same rolling update without a secret change
 * ({@code --env-add}) until the new task's container runs and reads its file, alternating, in the
 * same run. See bench/README.md.
 */
final class SecretBench {
    private static final long TIMEOUT_NANOS = 60_000_000_000L;
    private static final long POLL_MILLIS = 10;
    private static final String SERVICE = "sb";

    private final DaemonProcess daemon;
    private final EngineApi api;
    private final Path dir;
    private final Path repo;
    private final Set<String> seen = new HashSet<>();

    SecretBench(DaemonProcess daemon, Path dir, Path repo) {
        this.daemon = daemon;
        this.api = new EngineApi(daemon.http());
        this.dir = dir;
        this.repo = repo;
    }

    void run(int rounds) throws Exception {
        System.out.printf("%n== Secret delivery: one-node swarm, oci executor, busybox `sleep`, one replica, %d rounds (daemon pid %d)%n",
                rounds, daemon.pid());
        Path tar = dir.resolve("busybox.tar");
        OciBench.Cmd b = OciBench.run(List.of(repo.resolve("bin/busybox-image").toString(), tar.toString(), "busybox:latest"));
        if (b.exit() != 0) throw new IllegalStateException("bin/busybox-image: " + b.out());
        daemon.dockerOk("load", "-i", tar.toString());
        api.initSwarm();
        createSecret(0);
        daemon.dockerOk("service", "create", "--detach", "--name", SERVICE, "--stop-signal", "SIGKILL",
                "--secret", "source=s0,target=app", "busybox:latest", "sleep", "100000");
        awaitNewTaskReading(value(0));
        // Round 0 warms both paths up and is not counted.
        double[] secret = new double[rounds];
        double[] plain = new double[rounds];
        for (int i = 1; i <= rounds + 1; i++) {
            createSecret(i);
            long t0 = System.nanoTime();
            daemon.dockerOk("service", "update", "--detach", "--secret-rm", "s" + (i - 1), "--secret-add",
                    "source=s" + i + ",target=app", SERVICE);
            awaitNewTaskReading(value(i));
            double s = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            daemon.dockerOk("service", "update", "--detach", "--env-add", "ROUND=" + i, SERVICE);
            awaitNewTaskReading(value(i));
            double p = (System.nanoTime() - t0) / 1e9;
            daemon.dockerOk("secret", "rm", "s" + (i - 1));
            if (i > 1) {
                secret[i - 2] = s;
                plain[i - 2] = p;
            }
        }
        Arrays.sort(secret);
        Arrays.sort(plain);
        System.out.printf("%-62s %10s %10s%n", "update until the new task's container reads its file (ms)", "median", "max");
        System.out.printf("%-62s %10.0f %10.0f%n", "--env-add (no secret change; baseline)", plain[rounds / 2] * 1e3, plain[rounds - 1] * 1e3);
        System.out.printf("%-62s %10.0f %10.0f%n", "--secret-rm s<i-1> --secret-add source=s<i>,target=app", secret[rounds / 2] * 1e3, secret[rounds - 1] * 1e3);
        System.out.printf("secret delivery / plain update (medians): %.2f×%n", secret[rounds / 2] / plain[rounds / 2]);
        // Every task should have ended only because an update replaced it: any other end is a fault to look at.
        for (JsonNode t : EngineApi.JSON.readTree(api.call("GET", "/tasks", null, 200))) {
            String state = t.path("Status").path("State").asText();
            if (!state.equals("running") && !state.equals("shutdown")) {
                System.out.printf("  task %s ended %s: %s %s%n", t.path("ID").asText(), state, t.path("Status").path("Message").asText(),
                        t.path("Status").path("Err").asText());
            }
        }
        api.call("DELETE", "/services/" + SERVICE, null, 200);
    }

    private static String value(int i) {
        return "value-" + i;
    }

    private void createSecret(int i) throws Exception {
        String data = Base64.getEncoder().encodeToString(value(i).getBytes(StandardCharsets.UTF_8));
        api.call("POST", "/secrets/create", "{\"Name\":\"s" + i + "\",\"Data\":\"" + data + "\"}", 201);
    }

    /** Polls until a running task not seen before has a container whose /run/secrets/app reads {@code expected}. */
    private void awaitNewTaskReading(String expected) throws Exception {
        String filters = URLEncoder.encode("{\"service\":[\"" + SERVICE + "\"],\"desired-state\":[\"running\"]}", StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (System.nanoTime() < deadline) {
            JsonNode tasks = EngineApi.JSON.readTree(api.call("GET", "/tasks?filters=" + filters, null, 200));
            for (JsonNode t : tasks) {
                String id = t.path("ID").asText();
                long pid = t.path("Status").path("ContainerStatus").path("PID").asLong();
                if (seen.contains(id) || !"running".equals(t.path("Status").path("State").asText()) || pid <= 0) continue;
                OciBench.Cmd cat = OciBench.run(new ArrayList<>(List.of("nsenter", "-t", Long.toString(pid), "-m", "cat", "/run/secrets/app")));
                if (cat.exit() == 0 && cat.out().equals(expected)) {
                    seen.add(id);
                    return;
                }
            }
            Thread.sleep(POLL_MILLIS);
        }
        throw new IllegalStateException("no new task read " + expected + " within 60 s");
    }
}
