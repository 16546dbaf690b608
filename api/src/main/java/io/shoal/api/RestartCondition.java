package io.shoal.api;

/** When an ended task is replaced: never, only when it failed, or whatever way it ended. */
public enum RestartCondition implements WireValue {
    NONE, ON_FAILURE, ANY
}
