package io.shoal.daemon.engineapi;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.shoal.api.ApiException;
import io.shoal.api.ContainerSpec;
import io.shoal.api.Ids;
import io.shoal.api.Json;
import io.shoal.api.Task;
import io.shoal.api.TaskState;
import io.shoal.agent.image.ImageStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The node's own view of its containers, {@code docker ps} and {@code docker inspect}: every task
 * this node's worker holds is a container named as Docker names swarm containers,
 * {@code SERVICE.SLOT.TASKID} (global: {@code SERVICE.NODEID.TASKID}), with the swarm labels.
 */
public final class ContainerRoutes {
    private final LocalTasks local;
    private final ImageStore images;
    private final LogRoutes logs;
    /** The storage driver the containers' roots are made with, as {@code docker inspect} names it. */
    private final String driver;

    public ContainerRoutes(LocalTasks local, ImageStore images, LogRoutes logs, String driver) {
        this.local = local;
        this.images = images;
        this.logs = logs;
        this.driver = driver;
    }

    public void register(Router r) {
        r.add("GET", "/containers/json", this::list);
        r.add("GET", "/containers/{id}/json", req -> inspect(find(req.param("id"))));
        r.add("GET", "/containers/{id}/logs", req -> logs.taskLogs(req, find(req.param("id")).task()));
    }

    /** A container: the task as this node holds it, with its service's name. */
    record Container(LocalTasks.LocalTask held, String name, String serviceName) {
        Task task() {
            return held.task();
        }

        String id() {
            return Ids.containerIdOf(task().id());
        }

        String state() {
            TaskState s = task().state();
            if (s == TaskState.RUNNING) return "running";
            if (s.isTerminal()) return "exited";
            return "created";
        }
    }

    private List<Container> containers() {
        return containers(local);
    }

    /** This node's containers, newest first. */
    static List<Container> containers(LocalTasks local) {
        List<Container> out = new ArrayList<>();
        for (LocalTasks.LocalTask h : local.tasks()) {
            Task t = h.task();
            String service = local.serviceName(t.serviceId());
            String middle = t.slot() > 0 ? Long.toString(t.slot()) : t.nodeId();
            out.add(new Container(h, service + "." + middle + "." + t.id(), service));
        }
        out.sort(Comparator.comparing((Container c) -> c.task().createdAt(), Comparator.nullsLast(Comparator.naturalOrder())).reversed());
        return out;
    }

    private Container find(String ref) {
        String name = ref.startsWith("/") ? ref.substring(1) : ref;
        List<Container> all = containers();
        for (Container c : all) {
            if (c.id().equals(name) || c.name().equals(name)) return c;
        }
        List<Container> byPrefix = all.stream().filter(c -> c.id().startsWith(name)).toList();
        if (byPrefix.size() == 1) return byPrefix.getFirst();
        if (byPrefix.size() > 1) throw ApiException.invalid("multiple IDs found with provided prefix: %s", name);
        throw ApiException.notFound("No such container: %s", ref);
    }

    private Object list(ApiRequest req) {
        boolean all = req.queryBool("all");
        Filters f = req.filters().allow(Set.of("id", "name", "label", "status"));
        List<ObjectNode> out = new ArrayList<>();
        for (Container c : containers()) {
            if (!all && !f.has("status") && !c.state().equals("running")) continue;
            if (!f.matches("id", v -> c.id().startsWith(v))) continue;
            if (!f.matches("name", v -> c.name().contains(v))) continue;
            if (!f.matches("status", v -> v.equals(c.state()))) continue;
            if (!f.matchesLabels("label", labels(c))) continue;
            out.add(summary(c));
        }
        return out;
    }

    private ObjectNode summary(Container c) {
        Task t = c.task();
        ContainerSpec spec = t.spec().containerSpec();
        ObjectNode s = Json.MAPPER.createObjectNode();
        s.put("Id", c.id());
        s.putArray("Names").add("/" + c.name());
        s.put("Image", spec.image());
        s.put("ImageID", imageId(spec.image()));
        s.put("Command", String.join(" ", command(spec)));
        s.put("Created", t.createdAt() == null ? 0 : t.createdAt().getEpochSecond());
        s.putArray("Ports");
        s.set("Labels", Json.MAPPER.valueToTree(labels(c)));
        s.put("State", c.state());
        s.put("Status", status(c));
        s.putObject("HostConfig").put("NetworkMode", "default");
        s.putObject("NetworkSettings").putObject("Networks");
        s.putArray("Mounts");
        return s;
    }

    /** Docker's human status: "Up 5 seconds (healthy)", "Exited (1) 2 minutes ago", "Created". */
    private static String status(Container c) {
        Task t = c.task();
        Instant since = t.status().timestamp() == null ? Instant.now() : t.status().timestamp();
        String ago = human(Duration.between(since, Instant.now()));
        return switch (c.state()) {
            case "running" -> {
                String health = c.held().health();
                yield "Up " + ago + ("none".equals(health) ? "" : " (" + health + ")");
            }
            case "exited" -> "Exited (" + exitCode(t) + ") " + ago + " ago";
            default -> "Created";
        };
    }

    private Object inspect(Container c) {
        Task t = c.task();
        ContainerSpec spec = t.spec().containerSpec();
        var cs = t.status().containerStatus();
        boolean running = c.state().equals("running");
        ObjectNode j = Json.MAPPER.createObjectNode();
        j.put("Id", c.id());
        j.put("Created", String.valueOf(t.createdAt()));
        List<String> cmd = command(spec);
        j.put("Path", cmd.isEmpty() ? "" : cmd.getFirst());
        ArrayNode args = j.putArray("Args");
        cmd.stream().skip(1).forEach(args::add);
        ObjectNode state = j.putObject("State");
        state.put("Status", c.state()).put("Running", running).put("Paused", false).put("Restarting", false)
                .put("OOMKilled", t.status().err() != null && t.status().err().contains("out of memory"))
                .put("Dead", false).put("Pid", running && cs != null ? cs.pid() : 0)
                .put("ExitCode", exitCode(t)).put("Error", t.state() == TaskState.FAILED || t.state() == TaskState.REJECTED
                        ? String.valueOf(t.status().err()) : "")
                .put("StartedAt", running ? String.valueOf(t.status().timestamp()) : "0001-01-01T00:00:00Z")
                .put("FinishedAt", t.state().isTerminal() ? String.valueOf(t.status().timestamp()) : "0001-01-01T00:00:00Z");
        String health = c.held().health();
        if (!"none".equals(health)) state.putObject("Health").put("Status", health).put("FailingStreak", 0).putArray("Log");
        j.put("Image", imageId(spec.image()));
        j.put("Name", "/" + c.name());
        j.put("RestartCount", 0);
        j.put("Driver", driver);
        j.put("Platform", "linux");
        ObjectNode config = j.putObject("Config");
        config.put("Hostname", spec.hostname() != null && !spec.hostname().isEmpty() ? spec.hostname() : c.id().substring(0, 12));
        config.put("User", spec.user() == null ? "" : spec.user());
        config.set("Env", Json.MAPPER.valueToTree(spec.env() == null ? List.of() : spec.env()));
        config.set("Cmd", Json.MAPPER.valueToTree(spec.args() == null ? List.of() : spec.args()));
        config.set("Entrypoint", Json.MAPPER.valueToTree(spec.command()));
        config.put("Image", spec.image());
        config.put("WorkingDir", spec.dir() == null ? "" : spec.dir());
        config.set("Labels", Json.MAPPER.valueToTree(labels(c)));
        config.put("StopSignal", spec.stopSignal() == null ? "" : spec.stopSignal());
        ObjectNode host = j.putObject("HostConfig");
        var limits = t.spec().resources() == null ? null : t.spec().resources().limits();
        host.put("NetworkMode", "default").put("ReadonlyRootfs", spec.readOnly())
                .put("Memory", limits == null ? 0 : limits.memoryBytes())
                .put("NanoCpus", limits == null ? 0 : limits.nanoCPUs())
                .put("PidsLimit", limits == null ? 0 : limits.pids());
        j.set("Mounts", Json.MAPPER.valueToTree(spec.mounts() == null ? List.of() : spec.mounts()));
        j.putObject("NetworkSettings").putObject("Networks");
        return j;
    }

    static Map<String, String> labels(Container c) {
        Task t = c.task();
        Map<String, String> l = new TreeMap<>();
        ContainerSpec spec = t.spec().containerSpec();
        if (spec.labels() != null) l.putAll(spec.labels());
        l.put("com.docker.swarm.node.id", String.valueOf(t.nodeId()));
        l.put("com.docker.swarm.service.id", t.serviceId());
        l.put("com.docker.swarm.service.name", c.serviceName());
        l.put("com.docker.swarm.task", "");
        l.put("com.docker.swarm.task.id", t.id());
        l.put("com.docker.swarm.task.name", c.name().substring(0, c.name().lastIndexOf('.')) + "." + t.id());
        return l;
    }

    private static List<String> command(ContainerSpec spec) {
        List<String> c = new ArrayList<>();
        if (spec.command() != null) c.addAll(spec.command());
        if (spec.args() != null) c.addAll(spec.args());
        return c;
    }

    private static long exitCode(Task t) {
        var cs = t.status().containerStatus();
        return cs == null ? 0 : cs.exitCode();
    }

    private String imageId(String ref) {
        return images.find(ref).map(i -> i.id()).orElse("");
    }

    private static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 1) return "Less than a second";
        if (s < 60) return s + (s == 1 ? " second" : " seconds");
        long m = s / 60;
        if (m < 60) return m == 1 ? "About a minute" : m + " minutes";
        long h = m / 60;
        if (h < 48) return h == 1 ? "About an hour" : h + " hours";
        return (h / 24) + " days";
    }

}
