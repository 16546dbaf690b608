package io.shoal.api;

/** Optimistic-concurrency version of a stored object: the Raft index of the write that made it. */
public record Version(long index) {
    public static final Version NONE = new Version(0);
}
