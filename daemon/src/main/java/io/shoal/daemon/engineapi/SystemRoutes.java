package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.ApiException;
import io.shoal.api.Json;
import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.daemon.Daemon;
import io.shoal.daemon.SwarmMember;
import io.shoal.manager.control.NodeControl;
import io.shoal.pki.NodeRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code /_ping}, {@code /version} and {@code /info}: what the docker CLI asks before anything else. */
public final class SystemRoutes {
    private final Daemon daemon;

    public SystemRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    public void register(Router r) {
        r.add("GET", "/_ping", this::ping);
        r.add("GET", "/version", req -> version());
        r.add("GET", "/info", req -> info());
    }

    private Object ping(ApiRequest req) {
        // The CLI hides manager-only commands (service, node, stack...) unless Swarm says active/manager.
        return Router.Reply.text(200, "OK").withHeaders(Map.of(
                "Swarm", daemon.member() == null ? "inactive" : daemon.member().isManager() ? "active/manager" : "active/worker",
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
        Node.Description d = daemon.executor().describe();
        SwarmMember m = daemon.member();
        ObjectNode info = Json.MAPPER.createObjectNode();
        long running = 0;
        long total = 0;
        if (m != null) {
            List<Task> mine = m.worker().held().stream().map(h -> h.task()).toList();
            total = mine.stream().filter(t -> t.state().isAfter(TaskState.ACCEPTED)).count();
            running = mine.stream().filter(t -> t.state() == TaskState.RUNNING).count();
        }
        info.put("ID", m == null ? "" : m.state.nodeId())
                .put("Containers", total).put("ContainersRunning", running).put("ContainersPaused", 0)
                .put("ContainersStopped", total - running).put("Images", daemon.images().list().size())
                .put("Driver", "overlay").put("DockerRootDir", daemon.options().dataDir().toString())
                .put("Name", d.hostname()).put("NCPU", d.resources().nanoCPUs() / 1_000_000_000L)
                .put("MemTotal", d.resources().memoryBytes()).put("OperatingSystem", osName()).put("OSType", "linux")
                .put("Architecture", d.platform().architecture()).put("KernelVersion", kernel())
                .put("ServerVersion", Daemon.ENGINE_VERSION).put("LoggingDriver", "json-file")
                .put("CgroupDriver", "cgroupfs").put("DefaultRuntime", "runc").put("SystemTime", Instant.now().toString())
                .put("ExperimentalBuild", false).put("Debug", false);
        ArrayNode labels = info.putArray("Labels");
        if (daemon.options().labels() != null) daemon.options().labels().forEach((k, v) -> labels.add(k + "=" + v));
        info.set("Swarm", swarmInfo(m));
        return info;
    }

    private ObjectNode swarmInfo(SwarmMember m) {
        ObjectNode s = Json.MAPPER.createObjectNode();
        if (m == null) {
            s.put("NodeID", "").put("NodeAddr", "").put("LocalNodeState", "inactive").put("ControlAvailable", false)
                    .put("Error", "").putNull("RemoteManagers");
            return s;
        }
        if (!m.isManager()) {
            s.put("NodeID", m.state.nodeId()).put("NodeAddr", m.state.advertiseAddr().replaceAll(":\\d+$", ""))
                    .put("LocalNodeState", "active").put("ControlAvailable", false).put("Error", "");
            ArrayNode managers = s.putArray("RemoteManagers");
            for (String addr : m.state.remoteManagers()) managers.addObject().put("NodeID", "").put("Addr", addr);
            return s;
        }
        List<Node> nodes = m.control.nodes().list(NodeControl.Query.ALL);
        s.put("NodeID", m.state.nodeId()).put("NodeAddr", m.state.advertiseAddr().replaceAll(":\\d+$", ""))
                .put("LocalNodeState", "active").put("ControlAvailable", true).put("Error", "")
                .put("Nodes", nodes.size())
                .put("Managers", nodes.stream().filter(n -> n.spec().role() == NodeRole.MANAGER).count());
        ArrayNode managers = s.putArray("RemoteManagers");
        for (Node n : nodes) {
            if (n.managerStatus() != null) managers.addObject().put("NodeID", n.id()).put("Addr", n.managerStatus().addr());
        }
        try {
            ObjectNode c = Json.MAPPER.valueToTree(m.control.swarm().get());
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
