package io.shoal.network;

import java.util.ArrayList;
import java.util.List;

/** The pieces the data plane's nftables scripts share. */
final class NftScript {
    private NftScript() {}

    /**
     * The start of a script that replaces a table whole: declare it, so that the delete never
     * fails, and delete it; what follows defines it anew in the same transaction.
     */
    static String replacing(String table) {
        return "table ip " + table + "\ndelete table ip " + table + "\n";
    }

    /** A DNAT target: one as is, several round-robin per connection ({@code numgen inc}). */
    static String roundRobin(List<String> targets) {
        if (targets.size() == 1) return targets.getFirst();
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) entries.add(i + " : " + targets.get(i));
        return "numgen inc mod " + targets.size() + " map { " + String.join(", ", entries) + " }";
    }
}
