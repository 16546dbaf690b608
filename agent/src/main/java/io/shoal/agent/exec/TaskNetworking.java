package io.shoal.agent.exec;

import io.shoal.api.Node;
import io.shoal.api.Task;
import io.shoal.api.dispatcher.NetworkView;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * The network namespaces of tasks, as an executor asks for them: made before the container starts
 * (it joins the namespace), removed once it has ended.
 */
public interface TaskNetworking {

    /**
     * This node as the swarm knows it, before any task is attached (swarmkit's
     * Executor.Configure): its id, and the address its peers reach it at (the VXLAN underlay).
     */
    void configure(String nodeId, String advertiseAddr) throws IOException;

    /**
     * The managers' views of the networks this node's tasks are on, as the assignments bring them
     * ({@code complete}: these are all of them); applied before the tasks of the same assignments.
     */
    void update(boolean complete, List<NetworkView> changed, List<String> removed);

    /**
     * The task's network namespace, with an interface per network the task is attached to and the
     * services of those networks reachable and resolvable from it, and one more on the node's
     * gateway bridge unless its networks are all internal; null for a task on the host network, or
     * on a node without a data plane (the executor gives it a namespace of its own with only
     * {@code lo}). Idempotent: a daemon that restarted adopts what exists and serves its names again.
     */
    Path attach(Task task) throws ExecException;

    /**
     * The network plugins this node's tasks can use, as its engine reports them to the managers:
     * the overlay driver, and encrypted overlays where the data plane can run WireGuard tunnels.
     */
    List<Node.PluginDescription> plugins();

    /** Removes what {@link #attach} made for the task, and a network's devices with its last task here; idempotent. */
    void detach(Task task);

    /**
     * Removes what an earlier daemon made for tasks this node no longer holds, before the held ones
     * are adopted; with none held and no network view, the node's own parts too (leaving the swarm).
     */
    void sweep(Collection<Task> held);

    /** {@code --network host}: the task's networks name the swarm's host network, so it has no namespace of its own. */
    static boolean onHostNetwork(Task task) {
        if (task.spec() != null && task.spec().networks() != null) {
            for (var n : task.spec().networks()) if ("host".equals(n.target())) return true;
        }
        if (task.networksAttachments() != null) {
            for (var a : task.networksAttachments()) {
                if (a.network() != null && a.network().isPredefined() && "host".equals(a.network().spec().name())) return true;
            }
        }
        return false;
    }

    /** For nodes without overlay networking: a task on a network is refused. */
    TaskNetworking NONE = new TaskNetworking() {
        @Override
        public void configure(String nodeId, String advertiseAddr) {}

        @Override
        public void update(boolean complete, List<NetworkView> changed, List<String> removed) {}

        @Override
        public Path attach(Task task) throws ExecException {
            if (task.networksAttachments() != null
                    && task.networksAttachments().stream().anyMatch(a -> a.network() == null || !a.network().isPredefined())) {
                throw new ExecException("this node has no overlay networking (the process executor runs tasks in the host's network)");
            }
            return null;
        }

        @Override
        public List<Node.PluginDescription> plugins() {
            return List.of();
        }

        @Override
        public void detach(Task task) {}

        @Override
        public void sweep(Collection<Task> held) {}
    };
}
