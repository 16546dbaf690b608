package io.shoal.daemon.cli;

import static io.shoal.testkit.DaemonProcess.eventually;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.testkit.DaemonProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A one-node swarm for a test class, made as a user makes one: a daemon (process executor) in a
 * temp dir, then {@code docker swarm init}. After each test its services are removed and their
 * tasks awaited gone; after the class the node leaves the swarm and the daemon stops. The class is
 * skipped without the docker CLI.
 */
final class OneNodeSwarm implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    private final String dirPrefix;
    private DaemonProcess daemon;
    private String initOutput;

    OneNodeSwarm(String dirPrefix) {
        this.dirPrefix = dirPrefix;
    }

    DaemonProcess daemon() {
        return daemon;
    }

    /** {@code docker ARGS} against the node, its output; a failure fails the test. */
    String docker(String... args) {
        try {
            return daemon.dockerOk(args);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** What {@code docker swarm init} printed. */
    String initOutput() {
        return initOutput;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        assumeTrue(DaemonProcess.dockerCliPresent(), "skipped: no docker CLI at " + DaemonProcess.DOCKER);
        daemon = new DaemonProcess(Files.createTempDirectory(dirPrefix)).start();
        initOutput = daemon.dockerOk("swarm", "init", "--advertise-addr", "127.0.0.1");
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        String ids = daemon.dockerOk("service", "ls", "-q").trim();
        if (!ids.isEmpty()) {
            List<String> args = new ArrayList<>(List.of("service", "rm"));
            args.addAll(Arrays.asList(ids.split("\\s+")));
            daemon.dockerOk(args.toArray(String[]::new));
        }
        eventually(CONVERGE, () -> {
            try {
                return daemon.dockerOk("service", "ls", "-q").isBlank() && daemon.http().get("/v1.45/tasks").body().equals("[]");
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (daemon == null) return;
        try {
            daemon.docker("swarm", "leave", "--force");
        } finally {
            daemon.close();
        }
    }
}
