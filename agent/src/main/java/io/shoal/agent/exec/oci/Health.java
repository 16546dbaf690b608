package io.shoal.agent.exec.oci;

import java.util.Locale;

/** A container's health as Docker shows it in {@code State.Health.Status}. */
public enum Health {
    /** No health check is configured. */
    NONE,
    STARTING,
    HEALTHY,
    UNHEALTHY;

    /** Docker's word: "none", "starting", "healthy", "unhealthy". */
    public String dockerName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
