package io.shoal.daemon.engineapi;

import io.shoal.agent.logs.LogCollector;
import io.shoal.api.Task;
import java.nio.file.Path;
import java.util.List;

/** The tasks this node holds, whatever its role: what the node's own endpoints (containers, logs) show. */
public interface LocalTasks {

    /** This node's id in its swarm, or null outside one. */
    String nodeId();

    /**
     * A task as this node holds it: with its last reported status, its container's health as
     * Docker words it (none, starting, healthy, unhealthy), and where its output is captured (null
     * before it is prepared).
     */
    record LocalTask(Task task, String health, Path logDirectory) {}

    /** The tasks this node's worker holds. */
    List<LocalTask> tasks();

    /** The capture of the tasks' output, or null outside a swarm. */
    LogCollector logs();

    /** A service's name, as far as this node knows it (a worker knows only the id its tasks carry). */
    String serviceName(String serviceId);
}
