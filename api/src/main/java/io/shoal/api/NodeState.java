package io.shoal.api;

/** A node as the dispatcher sees it: ready while its agent keeps its session, down once it missed its heartbeats. */
public enum NodeState implements WireValue {
    UNKNOWN, DOWN, READY, DISCONNECTED
}
