package io.shoal.daemon;

import io.shoal.agent.exec.Executor;
import io.shoal.agent.exec.TaskNetworking;
import io.shoal.agent.exec.oci.OciExecutor;
import io.shoal.agent.exec.process.ProcessExecutor;
import io.shoal.agent.image.ImageStore;
import io.shoal.agent.network.TaskNetworks;
import io.shoal.common.Ipv4Prefix;
import io.shoal.daemon.demo.DemoCommand;
import io.shoal.daemon.engineapi.ContainerRoutes;
import io.shoal.daemon.engineapi.EngineApiServer;
import io.shoal.daemon.engineapi.EventRoutes;
import io.shoal.daemon.engineapi.ImageRoutes;
import io.shoal.daemon.engineapi.LogRoutes;
import io.shoal.daemon.engineapi.NetworkRoutes;
import io.shoal.daemon.engineapi.PayloadRoutes;
import io.shoal.daemon.engineapi.NodeRoutes;
import io.shoal.daemon.engineapi.NotImplementedRoutes;
import io.shoal.daemon.engineapi.Router;
import io.shoal.daemon.engineapi.ServiceRoutes;
import io.shoal.daemon.engineapi.SwarmRoutes;
import io.shoal.daemon.engineapi.SystemRoutes;
import io.shoal.daemon.engineapi.TaskRoutes;
import io.shoal.daemon.swarm.SwarmNode;
import io.shoal.manager.keymanager.KeyManager;
import io.shoal.network.DataPlane;
import io.shoal.network.dns.ResolvConf;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The {@code shoal} command. */
@Command(name = "shoal", mixinStandardHelpOptions = true, version = Daemon.ENGINE_VERSION,
        description = "A container orchestrator that speaks Docker Swarm.",
        subcommands = {Main.DaemonCommand.class, DemoCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    @Command(name = "daemon", mixinStandardHelpOptions = true,
            description = "Run this host's Shoal daemon, serving the Docker Engine API on a unix socket.")
    static final class DaemonCommand implements Callable<Integer> {
        @Option(names = "--data-dir", defaultValue = "/var/lib/shoal", description = "State directory (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--socket", defaultValue = "/run/shoal/shoal.sock", description = "Engine API socket (default: ${DEFAULT-VALUE}).")
        Path socket;

        @Option(names = "--listen-addr", description = "Cluster API address host:port (default 0.0.0.0:2377; Raft uses the next port).")
        String listenAddr;

        @Option(names = "--advertise-addr", description = "Address other nodes reach this one at.")
        String advertiseAddr;

        @Option(names = "--executor", description = "Task executor: oci (real containers with crun or runc; the default as root with either installed) or process.")
        String executor;

        @Option(names = "--runtime", description = "The oci executor's OCI runtime: crun or runc (default: crun where it is installed and works, else runc).")
        String runtime;

        @Option(names = "--hostname", description = "Node hostname (default: this host's).")
        String hostname;

        @Option(names = "--label", description = "Engine label key=value (repeatable).")
        Map<String, String> labels = new LinkedHashMap<>();

        @Option(names = "--dns", description = "DNS server for the names containers ask that the swarm does not know (repeatable; default: the host's resolv.conf).")
        List<String> dns = new ArrayList<>();

        @Option(names = "--gateway-subnet", description = "The node's address range for its containers' way out of the swarm "
                + "(docker_gwbridge's; default 172.18.0.0/16); it must not overlap a network this host routes.")
        String gatewaySubnet;

        /** For tests of key rotation, which cannot wait Docker's 12 hours: an ISO-8601 duration such as PT5S. */
        @Option(names = "--network-key-rotation", hidden = true)
        Duration networkKeyRotation = KeyManager.DEFAULT_ROTATION;

        @Override
        public Integer call() throws Exception {
            if (networkKeyRotation.isNegative() || networkKeyRotation.isZero()) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--network-key-rotation must be positive");
            }
            String host = hostname != null ? hostname : InetAddress.getLocalHost().getHostName();
            String chosen = executor != null ? executor : OciExecutor.available() ? "oci" : "process";
            if (executor == null && chosen.equals("process")) {
                System.err.println("shoal: no crun or runc, or not root: tasks run as plain processes (--executor process)");
            }
            DaemonOptions options = new DaemonOptions(dataDir, socket, listenAddr != null ? listenAddr : "0.0.0.0:2377",
                    listenAddr != null, advertiseAddr, chosen, host, labels, List.copyOf(dns), gatewaySubnet,
                    networkKeyRotation, runtime);
            try (Daemon daemon = start(options); var server = serve(daemon)) {
                System.err.println("shoal daemon listening on " + socket);
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                stop.await();
            }
            return 0;
        }
    }

    static Daemon start(DaemonOptions options) throws Exception {
        ImageStore images = new ImageStore(options.dataDir().resolve("images"));
        Executor executor = switch (options.executor()) {
            case "process" -> new ProcessExecutor(options.dataDir().resolve("executor"), options.hostname(),
                    Daemon.ENGINE_VERSION, options.labels());
            case "oci" -> new OciExecutor(options.dataDir().resolve("oci"), images, options.hostname(),
                    Daemon.ENGINE_VERSION, options.labels(), networking(options), options.runtime());
            default -> throw new CommandLine.ParameterException(new CommandLine(new Main()),
                    "unknown executor " + options.executor() + ": choose oci or process");
        };
        return new Daemon(options, executor, images);
    }

    /**
     * Overlay networking for the oci executor's tasks: a data plane with its namespaces under the
     * data dir (they outlive the daemon, as the containers do), once the node is in a swarm.
     */
    private static TaskNetworking networking(DaemonOptions options) throws IOException {
        Optional<String> unavailable = DataPlane.unavailableReason();
        if (unavailable.isPresent()) {
            System.err.println("shoal: no overlay networking on this node: " + unavailable.get());
            return TaskNetworking.NONE;
        }
        List<InetSocketAddress> upstream = options.dns().isEmpty() ? ResolvConf.nameservers(ResolvConf.HOST)
                : options.dns().stream().map(ResolvConf::nameserver).toList();
        Path dir = options.dataDir().resolve("network");
        Ipv4Prefix gateway = options.gatewaySubnet() == null ? DataPlane.DEFAULT_GATEWAY_SUBNET
                : Ipv4Prefix.parse(options.gatewaySubnet()).masked();
        return new TaskNetworks(underlay -> new DataPlane(dir, underlay, upstream, gateway));
    }

    /** The Engine API of {@code daemon}, on its socket: each family of routes gets the part of the daemon it serves. */
    static EngineApiServer serve(Daemon daemon) throws Exception {
        SwarmNode swarm = daemon.swarm();
        LogRoutes logs = new LogRoutes(swarm::control, daemon.tasks());
        Router router = new Router();
        new SystemRoutes(swarm::membership, daemon.tasks(), daemon.executor(), daemon.images()::count, daemon.options())
                .register(router);
        new SwarmRoutes(swarm).register(router);
        new NodeRoutes(swarm::control).register(router);
        new NetworkRoutes(swarm::control).register(router);
        PayloadRoutes.secrets(swarm::control).register(router);
        PayloadRoutes.configs(swarm::control).register(router);
        new ServiceRoutes(swarm::control, logs).register(router);
        new TaskRoutes(swarm::control, logs).register(router);
        new ImageRoutes(daemon.images(), daemon::containerUsing).register(router);
        new ContainerRoutes(daemon.tasks(), daemon.images(), logs,
                daemon.options().executor().equals("oci") ? "overlay" : "process").register(router);
        new EventRoutes(daemon.events()).register(router);
        new NotImplementedRoutes().register(router);
        return new EngineApiServer(daemon.options().socket(), router, Daemon.ENGINE_VERSION);
    }
}
