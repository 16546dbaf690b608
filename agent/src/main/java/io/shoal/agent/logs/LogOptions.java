package io.shoal.agent.logs;

import io.shoal.api.ApiException;
import io.shoal.api.Driver;
import java.util.Locale;
import java.util.Map;

/**
 * json-file's rotation: at most {@code maxSize} bytes per file (0: no limit, one ever-growing
 * file, as Docker without options) and at most {@code maxFile} files, {@code json.log} and
 * {@code json.log.1 ...}.
 */
public record LogOptions(long maxSize, int maxFile) {
    public static final LogOptions UNLIMITED = new LogOptions(0, 1);

    public LogOptions {
        if (maxSize < 0) throw new IllegalArgumentException("max-size must not be negative");
        if (maxFile < 1) throw new IllegalArgumentException("max-file must be at least 1");
    }

    /**
     * The options of a task's log driver ({@code TaskSpec.LogDriver}); only json-file's
     * {@code max-size} and {@code max-file} matter, and other drivers are captured as json-file.
     */
    public static LogOptions of(Driver driver) {
        Map<String, String> o = driver == null || driver.options() == null ? Map.of() : driver.options();
        long size = o.containsKey("max-size") ? parseSize(o.get("max-size")) : 0;
        int files = 1;
        if (o.containsKey("max-file")) {
            try {
                files = Integer.parseInt(o.get("max-file").strip());
            } catch (NumberFormatException e) {
                throw ApiException.invalid("invalid max-file %s: not a number", o.get("max-file"));
            }
            if (files < 1) throw ApiException.invalid("max-file cannot be less than 1");
        }
        return new LogOptions(size, size == 0 ? 1 : files);
    }

    /** Docker's RAMInBytes: 10k, 1m, 2g, 512b or a plain number; binary units; -1 means no limit. */
    static long parseSize(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.equals("-1")) return 0;
        int i = 0;
        while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
        if (i == 0) throw ApiException.invalid("invalid max-size %s", text);
        double n = Double.parseDouble(s.substring(0, i));
        String unit = s.substring(i).strip();
        if (unit.endsWith("ib")) unit = unit.substring(0, unit.length() - 2);
        else if (unit.endsWith("b") && unit.length() > 1) unit = unit.substring(0, unit.length() - 1);
        long mult = switch (unit) {
            case "", "b" -> 1L;
            case "k" -> 1L << 10;
            case "m" -> 1L << 20;
            case "g" -> 1L << 30;
            case "t" -> 1L << 40;
            default -> throw ApiException.invalid("invalid max-size %s: unknown unit %s", text, unit);
        };
        return (long) (n * mult);
    }
}
