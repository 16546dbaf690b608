package io.shoal.agent.exec;

import java.util.regex.Pattern;

/**
 * The task ids this node runs: an id becomes a file and directory name, a container's id and a
 * word of a monitor's shell script, so it is letters, digits, {@code _}, {@code .} and {@code -},
 * starting with a letter or digit (no {@code ..}, no option for a command).
 */
public final class TaskIds {
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    private TaskIds() {}

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /**
     * @return {@code id}
     * @throws IllegalArgumentException "bad task id: ID" unless it {@link #isValid}
     */
    public static String check(String id) {
        if (!isValid(id)) throw new IllegalArgumentException("bad task id: " + id);
        return id;
    }
}
