package io.shoal.daemon.demo;

import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.testkit.DaemonProcess;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shoal demo}: see {@link Demo}. {@code bin/shoal demo} installs what is missing and builds the image first. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Bring up a 3-manager, 2-worker swarm in network namespaces on this machine, run a service, "
                + "kill the leader, watch the swarm recover, and clean up.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--image", required = true, description = "A busybox image as a `docker save` tarball (bin/busybox-image makes one).")
    Path image;

    @Option(names = "--executor", description = "Task executor: oci (runc; the default as root with runc installed) or process.")
    String executor;

    @Override
    public Integer call() throws Exception {
        Optional<String> reason = DaemonProcess.hostsUnavailableReason();
        if (reason.isPresent()) {
            System.err.println("shoal demo: " + reason.get());
            return 1;
        }
        Demo demo = new Demo(System.out, image, executor != null ? executor : OciExecutor.available() ? "oci" : "process");
        // Ctrl-C runs the hooks: the namespaces, daemons and containers go with it (close() runs once).
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close));
        try {
            demo.run();
            return 0;
        } catch (Exception e) {
            if (demo.isClosed()) {
                System.err.println("shoal demo: interrupted; what it made is removed");
                return 130;
            }
            System.err.println("shoal demo failed: " + e.getMessage());
            System.err.println("the daemons' logs are in " + demo.keepLogs());
            return 1;
        } finally {
            demo.close();
        }
    }
}
