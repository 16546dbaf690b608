package io.shoal.api;

/** Whether an update stops a slot's old task before it starts the new one, or after the new one runs. */
public enum UpdateOrder implements WireValue {
    STOP_FIRST, START_FIRST
}
