package io.shoal.api;

/** Whether the other managers reach a manager (its node is not down). */
public enum Reachability implements WireValue {
    UNKNOWN, UNREACHABLE, REACHABLE
}
