package io.shoal.agent.image;

import java.util.List;

/** The parts of an OCI/Docker image config that decide how its containers run. Durations are nanoseconds. */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user,
                          String stopSignal, Healthcheck healthcheck) {

    /** Docker's HEALTHCHECK: test is ["CMD", ...], ["CMD-SHELL", "..."] or ["NONE"]. */
    public record Healthcheck(List<String> test, long interval, long timeout, long retries, long startPeriod) {}
}
