package io.shoal.api;

/** Whether a node takes new tasks (active), keeps the ones it has (pause), or gives them up (drain). */
public enum NodeAvailability implements WireValue {
    ACTIVE, PAUSE, DRAIN
}
