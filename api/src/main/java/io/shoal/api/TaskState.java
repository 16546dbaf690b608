package io.shoal.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Task states in swarmkit's order. A task's observed state acts as a Lamport clock: it only ever
 * moves to a later constant, so a stale report can never undo a newer one.
 */
public enum TaskState {
    NEW, PENDING, ASSIGNED, ACCEPTED, PREPARING, READY, STARTING, RUNNING,
    COMPLETE, SHUTDOWN, FAILED, REJECTED, REMOVE, ORPHANED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static TaskState fromWire(String s) {
        // "allocated" was merged into pending in swarmkit but is still in the Engine API enum.
        if (s.equalsIgnoreCase("allocated")) return PENDING;
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    public boolean isBefore(TaskState other) {
        return compareTo(other) < 0;
    }

    public boolean isAfter(TaskState other) {
        return compareTo(other) > 0;
    }

    /** The task's process has ended or will never start. */
    public boolean isTerminal() {
        return isAfter(RUNNING);
    }
}
