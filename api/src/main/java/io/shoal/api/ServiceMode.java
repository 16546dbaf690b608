package io.shoal.api;

/**
 * How many tasks a service runs and where: a number of replicas, one per eligible node (global),
 * or either of those run to completion (jobs). In JSON, as the Engine API has it, an object with
 * exactly one member named for the mode: {@code {"Replicated":{"Replicas":3}}}, {@code {"Global":{}}}.
 */
public sealed interface ServiceMode {

    /** A fixed number of tasks, one per slot numbered from 1. */
    record Replicated(long replicas) implements ServiceMode {}

    /** One task on every node that may run it. */
    record Global() implements ServiceMode {}

    /** Tasks run to completion, {@code totalCompletions} of them, at most {@code maxConcurrent} at once. */
    record ReplicatedJob(long maxConcurrent, long totalCompletions) implements ServiceMode {}

    /** A task run to completion once on every node that may run it. */
    record GlobalJob() implements ServiceMode {}

    /** Runs its tasks to completion: they are desired COMPLETE, and one that exits 0 is never restarted. */
    default boolean isJob() {
        return this instanceof ReplicatedJob || this instanceof GlobalJob;
    }

    /** The desired state of a task that should run: COMPLETE for jobs (swarmkit's), RUNNING otherwise. */
    default TaskState runState() {
        return isJob() ? TaskState.COMPLETE : TaskState.RUNNING;
    }

    /** Whether each task belongs to a node (one task per node) rather than to a numbered slot. */
    default boolean runsPerNode() {
        return this instanceof Global || this instanceof GlobalJob;
    }

    /**
     * The place a task fills, which its replacements fill after it: its node for modes that run
     * one task per node, else its slot number.
     */
    default String slotOf(Task task) {
        return runsPerNode() ? task.nodeId() : Long.toString(task.slot());
    }

    /** The mode as the Engine API's {@code mode} filter names it. */
    default String filterName() {
        return switch (this) {
            case Replicated r -> "replicated";
            case Global g -> "global";
            case ReplicatedJob j -> "replicated-job";
            case GlobalJob j -> "global-job";
        };
    }

    /** Whether the same mode, whatever its numbers: a service's mode may not change kind. */
    default boolean sameKindAs(ServiceMode other) {
        return other != null && getClass() == other.getClass();
    }
}
