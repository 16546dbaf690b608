package io.shoal.network;

import java.util.regex.Pattern;

/** Network and sandbox ids name files in the state directory: they must be plain names. */
final class Ids {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private Ids() {}

    static boolean valid(String id) {
        return id != null && SAFE.matcher(id).matches();
    }

    static String check(String what, String id) {
        if (!valid(id)) {
            throw new IllegalArgumentException("invalid " + what + " id " + id + ": letters, digits, '_', '.', '-', at most 128");
        }
        return id;
    }
}
