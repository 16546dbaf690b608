package io.shoal.daemon.multihost;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import java.io.IOException;
import java.util.Optional;

/** What the multi-host tests need from this machine, checked before they start. */
final class Hosts {
    private Hosts() {}

    /**
     * Skips the test class, saying why, unless daemons can run in network namespaces here and be
     * driven by the docker CLI; then sweeps what killed runs left.
     */
    static void assumeAvailable(Class<?> test) throws IOException {
        Optional<String> reason = DaemonProcess.hostsUnavailableReason();
        reason.ifPresent(r -> System.out.println(test.getSimpleName() + " skipped: " + r));
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
        TestNetwork.sweepLeftovers();
    }

    /** {@code first} (on {@code host}) inits a swarm and the others join it with the manager token. */
    static void formManagers(TestNetwork.Host host, DaemonProcess first, DaemonProcess... others) throws Exception {
        first.dockerOk("swarm", "init", "--advertise-addr", host.address());
        String token = first.dockerOk("swarm", "join-token", "-q", "manager").trim();
        for (DaemonProcess d : others) d.dockerOk("swarm", "join", "--token", token, host.address() + ":2377");
    }
}
