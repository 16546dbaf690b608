package io.shoal.daemon.multihost;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.network.DataPlane;
import io.shoal.testkit.BusyboxImage;
import io.shoal.testkit.DaemonProcess;
import io.shoal.testkit.OciResidue;
import io.shoal.testkit.TestNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the multi-host tests need from this machine, checked before a test class starts: it is
 * skipped, saying why, unless daemons can run in network namespaces here and be driven by the
 * docker CLI; then what killed runs left is swept.
 */
final class Hosts implements BeforeAllCallback {
    /**
     * For tests of runc containers on overlay networks: skips the test class unless the oci
     * executor, the data plane and the busybox image can run here; removes what killed runs
     * named {@code prefix} left; returns a new directory for this run.
     */
    static Path containersDir(String prefix) throws IOException {
        assumeTrue(OciExecutor.available(), "skipped: the oci executor needs root and runc (apt-get install runc)");
        assumeTrue(DataPlane.unavailableReason().isEmpty(), () -> "skipped: " + DataPlane.unavailableReason().orElse(""));
        assumeTrue(BusyboxImage.script().isPresent(), "skipped: bin/busybox-image not found");
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        OciResidue.sweepStale(tmp, prefix);
        return Files.createTempDirectory(tmp, prefix);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Optional<String> reason = DaemonProcess.hostsUnavailableReason();
        reason.ifPresent(r -> System.out.println(context.getDisplayName() + " skipped: " + r));
        assumeTrue(reason.isEmpty(), () -> "skipped: " + reason.orElse(""));
        TestNetwork.sweepLeftovers();
    }
}
