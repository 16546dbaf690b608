package io.shoal.network.dns;

/** The names a sandbox resolves locally, as its node knows them now. */
@FunctionalInterface
public interface Names {
    /** The answer for {@code name}, given in lower case without the trailing dot. */
    Answer lookup(String name);
}
