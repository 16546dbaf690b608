package io.shoal.manager.control;

import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What a list call selects, as Docker's filters mean it: each named filter is satisfied by any
 * one of its values, a filter without values by everything; label filters ("key" or
 * "key=value") must all hold.
 */
final class Selector {
    private Selector() {}

    static boolean any(List<String> values, Predicate<String> test) {
        return values == null || values.isEmpty() || values.stream().anyMatch(test);
    }

    static boolean labels(List<String> wanted, Map<String, String> labels) {
        if (wanted == null || wanted.isEmpty()) return true;
        Map<String, String> l = labels == null ? Map.of() : labels;
        return wanted.stream().allMatch(f -> {
            int eq = f.indexOf('=');
            return eq < 0 ? l.containsKey(f) : f.substring(eq + 1).equals(l.get(f.substring(0, eq)));
        });
    }
}
