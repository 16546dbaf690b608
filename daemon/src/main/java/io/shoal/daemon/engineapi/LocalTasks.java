package io.shoal.daemon.engineapi;

import io.shoal.agent.Worker;
import io.shoal.agent.logs.LogCollector;
import java.util.List;

/** The tasks this node holds, whatever its role: what the node's own endpoints (containers, logs) show. */
public interface LocalTasks {

    /** This node's id in its swarm, or null outside one. */
    String nodeId();

    /** The tasks this node's worker holds, with their last reported status and their controllers. */
    List<Worker.Held> tasks();

    /** The capture of the tasks' output, or null outside a swarm. */
    LogCollector logs();

    /** A service's name, as far as this node knows it (a worker knows only the id its tasks carry). */
    String serviceName(String serviceId);
}
