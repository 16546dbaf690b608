package io.shoal.agent.exec;

import io.shoal.api.Node;
import io.shoal.api.Task;

/**
 * Runs tasks on this node (swarmkit's agent/exec.Executor). An executor keeps what it creates for
 * a task (a container, a process, its logs) under its own state, so that it outlives the daemon:
 * after a restart, {@link #controller} re-adopts whatever survived.
 */
public interface Executor {

    /** This node as the managers should see it: hostname, platform, resources, engine. */
    Node.Description describe();

    /**
     * The controller of one task. When the executor already holds resources for this task (it was
     * started before the daemon restarted), the controller is attached to them: {@link
     * TaskController#start()} finds it started and {@link TaskController#await()} reports its real
     * outcome, including one that happened while the daemon was down.
     */
    TaskController controller(Task task);

    /**
     * The controller of a task that may refer to secrets and configs, which it reads from
     * {@code dependencies}. An executor that cannot give a task its secrets refuses such a task
     * when preparing it, never runs it without them.
     */
    default TaskController controller(Task task, TaskDependencies dependencies) {
        return controller(task);
    }

    /** The OCI runtime this executor's containers run with ("crun", "runc"), or null when it runs none. */
    default String runtime() {
        return null;
    }

    /** How this executor's tasks join overlay networks; {@link TaskNetworking#NONE} when they cannot. */
    default TaskNetworking networking() {
        return TaskNetworking.NONE;
    }
}
