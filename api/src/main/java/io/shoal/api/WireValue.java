package io.shoal.api;

import java.util.Locale;

/**
 * A closed set of values that the Engine API spells as words ({@code on-failure},
 * {@code rollback_started}): in JSON each constant is its {@link #wireName()}, and a word the set
 * does not know is refused with the list of those it does (see {@link Json}).
 */
public interface WireValue {

    /** The constant in the Engine API: its name in lower case, {@code _} written {@code -}. */
    default String wireName() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
