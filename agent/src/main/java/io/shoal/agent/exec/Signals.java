package io.shoal.agent.exec;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Signal names as Docker accepts them ("SIGTERM", "TERM", "term", "15"), normalised to runc's numbers. */
public final class Signals {
    private static final Map<String, Integer> NUMBERS = numbers();

    private Signals() {}

    /** The signal's number; {@code fallback} when blank. */
    public static int parse(String s, int fallback) {
        if (s == null || s.isBlank()) return fallback;
        String name = s.strip().toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
            int n = Integer.parseInt(name);
            if (n >= 1 && n <= 64) return n;
        } else if (NUMBERS.containsKey(name)) {
            return NUMBERS.get(name);
        }
        throw new IllegalArgumentException("invalid stop signal: " + s);
    }

    private static Map<String, Integer> numbers() {
        String[] names = {"HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
                "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU",
                "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) m.put(names[i], i + 1);
        m.put("IOT", 6);
        m.put("POLL", 29);
        return Map.copyOf(m);
    }
}
