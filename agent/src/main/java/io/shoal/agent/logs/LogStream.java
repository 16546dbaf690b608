package io.shoal.agent.logs;

/** The two output streams of a container, with their names in json-file and their codes in Docker's multiplexed stream. */
public enum LogStream {
    STDOUT("stdout", 1),
    STDERR("stderr", 2);

    private final String jsonName;
    private final int muxCode;

    LogStream(String jsonName, int muxCode) {
        this.jsonName = jsonName;
        this.muxCode = muxCode;
    }

    /** The name in json-file's {@code "stream"} field and in the raw file {@code <name>.log}. */
    public String jsonName() {
        return jsonName;
    }

    /** The stream type byte of a frame in Docker's multiplexed stream. */
    public int muxCode() {
        return muxCode;
    }

    static LogStream of(String jsonName) {
        return switch (jsonName) {
            case "stdout" -> STDOUT;
            case "stderr" -> STDERR;
            default -> throw new IllegalArgumentException("unknown log stream " + jsonName);
        };
    }
}
