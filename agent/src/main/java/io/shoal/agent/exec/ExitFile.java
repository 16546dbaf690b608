package io.shoal.agent.exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * The file in which what watches a task (the process executor's monitor, the oci executor's
 * reaper) records how the task's process ended: its exit status as a shell would say it (128 + N
 * for a process killed by signal N), written under a temporary name and renamed, so that a reader
 * finds all of it or nothing.
 */
public final class ExitFile {
    private ExitFile() {}

    /**
     * The exit status recorded in {@code file}; empty when there is none, that is when the watcher
     * ended without recording it (see {@link #unknown()}).
     *
     * @throws ExecException when the file can't be read or holds no number
     */
    public static OptionalInt read(Path file) throws ExecException {
        try {
            return OptionalInt.of(Integer.parseInt(Files.readString(file).strip()));
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            throw new ExecException("task: reading exit status: " + e.getMessage(), e);
        }
    }

    /** The error of a task whose watcher ended without recording its exit. */
    public static ExecException unknown() {
        return new ExecException("task: exit status unknown: the process watching it ended without recording it");
    }
}
