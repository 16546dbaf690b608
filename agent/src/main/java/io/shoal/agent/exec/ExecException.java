package io.shoal.agent.exec;

/** A task could not be prepared, started or stopped; the message is shown as the task's status. */
public final class ExecException extends Exception {

    public ExecException(String message) {
        super(message);
    }

    public ExecException(String message, Throwable cause) {
        super(message, cause);
    }
}
