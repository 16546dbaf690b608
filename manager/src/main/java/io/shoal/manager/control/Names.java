package io.shoal.manager.control;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** Names for services created without one, in Docker's adjective_surname style. */
final class Names {
    private static final List<String> ADJECTIVES = List.of("brave", "calm", "eager", "fond", "gifted", "happy",
            "jolly", "keen", "lucid", "merry", "nifty", "quirky", "serene", "sharp", "stoic", "vibrant", "wizardly", "zen");
    private static final List<String> NAMES = List.of("babbage", "curie", "dijkstra", "euclid", "fermat", "hopper",
            "kepler", "lamport", "liskov", "lovelace", "noether", "pascal", "ritchie", "shannon", "thompson", "turing");

    private Names() {}

    static String random() {
        var r = ThreadLocalRandom.current();
        return ADJECTIVES.get(r.nextInt(ADJECTIVES.size())) + "_" + NAMES.get(r.nextInt(NAMES.size()));
    }
}
