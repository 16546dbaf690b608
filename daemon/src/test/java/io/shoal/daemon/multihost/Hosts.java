package io.shoal.daemon.multihost;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.TestNetwork;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the multi-host tests need from this machine, checked before a test class starts: it is
 * skipped, saying why, unless daemons can run in network namespaces here and be driven by the
 * docker CLI; then what killed runs left is swept.
 */
final class Hosts implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Optional<String> reason = DaemonProcess.hostsUnavailableReason();
        reason.ifPresent(r -> System.out.println(context.getDisplayName() + " skipped: " + r));
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
        TestNetwork.sweepLeftovers();
    }
}
