package io.shoal.agent.exec;

/**
 * Drives one task's container through its life (swarmkit's agent/exec.Controller). Every
 * operation is idempotent, so that a restarted agent can repeat the step it was in when it died.
 * The text of an {@link ExecException} becomes the task's status message.
 */
public interface TaskController {

    /** Creates everything {@link #start()} needs, so that starting is quick. */
    void prepare() throws ExecException;

    /** Starts the task; returns at once if it was already started, by this daemon or an earlier one. */
    void start() throws ExecException;

    /** Blocks until the started task exits and returns how it ended. */
    Exit await() throws ExecException, InterruptedException;

    /**
     * Stops the task gracefully: sends its stop signal (ContainerSpec.StopSignal, SIGTERM by
     * default), waits up to StopGracePeriod, then kills it. Returns once it has exited; does
     * nothing if it never started or has already ended.
     */
    void shutdown() throws ExecException, InterruptedException;

    /** Kills the task now and returns once it has exited. */
    void terminate() throws ExecException, InterruptedException;

    /** Stops the task if needed and deletes everything {@link #prepare()} and {@link #start()} made. */
    void remove() throws ExecException, InterruptedException;

    /** The process id of the task's main process, 0 before it started. */
    long pid();

    /** The container's health as Docker words it: starting, healthy, unhealthy, or none without a check. */
    default String healthStatus() {
        return "none";
    }

    /** The directory holding the task's raw {@code stdout.log} and {@code stderr.log}, or null before prepare. */
    default java.nio.file.Path logDirectory() {
        return null;
    }
}
