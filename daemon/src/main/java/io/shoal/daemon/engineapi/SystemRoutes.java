package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.agent.exec.Executor;
import io.shoal.daemon.Daemon;
import io.shoal.daemon.DaemonOptions;
import io.shoal.daemon.swarm.Membership;
import io.shoal.daemon.swarm.SwarmState;
import io.shoal.manager.control.ControlApi;
import io.shoal.manager.control.NodeControl;
import io.shoal.pki.NodeRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/** {@code /_ping}, {@code /version} and {@code /info}: what the docker CLI asks before anything else. */
public final class SystemRoutes {
    private final Supplier<Membership> membership;
    private final LocalTasks local;
    private final Executor executor;
    private final IntSupplier images;
    private final DaemonOptions options;

    /** @param images how many images this node holds */
    public SystemRoutes(Supplier<Membership> membership, LocalTasks local, Executor executor, IntSupplier images,
                        DaemonOptions options) {
        this.membership = membership;
        this.local = local;
        this.executor = executor;
        this.images = images;
        this.options = options;
    }

    public void register(Router r) {
        r.add("GET", "/_ping", this::ping);
        r.add("GET", "/version", req -> version());
        r.add("GET", "/info", req -> info());
    }

    private Object ping(ApiRequest req) {
        // The CLI hides manager-only commands (service, node, stack...) unless Swarm says active/manager.
        return Router.Reply.text(200, "OK").withHeaders(Map.of(
                "Swarm", switch (membership.get()) {
                    case Membership.Outside o -> "inactive";
                    case Membership.Manager m -> "active/manager";
                    case Membership.Worker w -> "active/worker";
                    case Membership.Removed r -> "error";
                    case Membership.Locked l -> "locked";
                },
                "Cache-Control", "no-cache, no-store, must-revalidate",
                "Pragma", "no-cache",
                "Builder-Version", "1"));
    }

    private Object version() {
        ObjectNode v = Json.MAPPER.createObjectNode();
        v.putObject("Platform").put("Name", "Shoal");
        ArrayNode components = v.putArray("Components");
        ObjectNode engine = components.addObject().put("Name", "Engine").put("Version", Daemon.ENGINE_VERSION);
        engine.putObject("Details").put("ApiVersion", EngineApiServer.API_VERSION)
                .put("MinAPIVersion", EngineApiServer.MIN_API_VERSION).put("Os", "linux").put("Arch", "amd64")
                .put("KernelVersion", kernel()).put("Experimental", "false").put("GitCommit", "shoal")
                .put("GoVersion", "java" + Runtime.version().feature());
        v.put("Version", Daemon.ENGINE_VERSION).put("ApiVersion", EngineApiServer.API_VERSION)
                .put("MinAPIVersion", EngineApiServer.MIN_API_VERSION).put("GitCommit", "shoal")
                .put("GoVersion", "java" + Runtime.version().feature()).put("Os", "linux").put("Arch", "amd64")
                .put("KernelVersion", kernel()).put("BuildTime", "");
        return v;
    }

    private Object info() {
        Node.Description d = executor.describe();
        Membership membership = this.membership.get();
        ObjectNode info = Json.MAPPER.createObjectNode();
        // The process executor runs no OCI runtime; Docker always names one, and runc is its default.
        String runtime = executor.runtime() != null ? executor.runtime() : "runc";
        info.putObject("Runtimes").putObject(runtime).put("path", runtime);
        List<Task> mine = local.tasks().stream().map(h -> h.task()).toList();
        long total = mine.stream().filter(t -> t.state().isAfter(TaskState.ACCEPTED)).count();
        long running = mine.stream().filter(t -> t.state() == TaskState.RUNNING).count();
        info.put("ID", membership.state() == null ? "" : membership.state().nodeId())
                .put("Containers", total).put("ContainersRunning", running).put("ContainersPaused", 0)
                .put("ContainersStopped", total - running).put("Images", images.getAsInt())
                .put("Driver", "overlay").put("DockerRootDir", options.dataDir().toString())
                .put("Name", d.hostname()).put("NCPU", d.resources().nanoCPUs() / 1_000_000_000L)
                .put("MemTotal", d.resources().memoryBytes()).put("OperatingSystem", osName()).put("OSType", "linux")
                .put("Architecture", d.platform().architecture()).put("KernelVersion", kernel())
                .put("ServerVersion", Daemon.ENGINE_VERSION).put("LoggingDriver", "json-file")
                .put("CgroupDriver", "cgroupfs").put("DefaultRuntime", runtime).put("SystemTime", Instant.now().toString())
                .put("ExperimentalBuild", false).put("Debug", false);
        ArrayNode labels = info.putArray("Labels");
        if (options.labels() != null) options.labels().forEach((k, v) -> labels.add(k + "=" + v));
        info.set("Swarm", swarmInfo(membership));
        return info;
    }

    private static ObjectNode swarmInfo(Membership membership) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        SwarmState state = membership.state();
        if (state == null) {
            s.put("NodeID", "").put("NodeAddr", "").put("LocalNodeState", "inactive").put("ControlAvailable", false)
                    .put("Error", "").putNull("RemoteManagers");
            return s;
        }
        if (membership instanceof Membership.Locked) {
            // As Docker: the node's own id is not known until its keys are open.
            s.put("NodeID", "").put("NodeAddr", state.advertise().host()).put("LocalNodeState", "locked")
                    .put("ControlAvailable", false).put("Error", Membership.Locked.ERROR).putNull("RemoteManagers");
            return s;
        }
        s.put("NodeID", state.nodeId()).put("NodeAddr", state.advertise().host())
                .put("LocalNodeState", membership instanceof Membership.Removed ? "error" : "active")
                .put("ControlAvailable", membership instanceof Membership.Manager)
                .put("Error", membership instanceof Membership.Removed r ? r.reason() : "");
        ArrayNode managers = s.putArray("RemoteManagers");
        if (!(membership instanceof Membership.Manager m)) {
            for (String addr : state.remoteManagers()) managers.addObject().put("NodeID", "").put("Addr", addr);
            return s;
        }
        ControlApi control = m.control();
        List<Node> nodes = control.nodes().list(NodeControl.Query.ALL);
        s.put("Nodes", nodes.size()).put("Managers", nodes.stream().filter(n -> n.spec().role() == NodeRole.MANAGER).count());
        for (Node n : nodes) {
            if (n.managerStatus() != null) managers.addObject().put("NodeID", n.id()).put("Addr", n.managerStatus().addr());
        }
        try {
            ObjectNode c = Json.MAPPER.valueToTree(control.swarm().get());
            c.remove("JoinTokens");
            s.set("Cluster", c);
        } catch (ApiException e) {
            // a manager that has not caught up with the swarm yet: no cluster to show
        }
        return s;
    }

    private static String kernel() {
        return System.getProperty("os.version");
    }

    private static String osName() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) return line.substring(12).replace("\"", "");
            }
        } catch (IOException e) {
            // fall through
        }
        return "Linux";
    }
}
