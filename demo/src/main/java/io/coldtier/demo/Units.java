package io.coldtier.demo;

import java.time.Duration;
import java.util.Locale;

/** Sizes and durations as people type them ({@code 1g}, {@code 256m}, {@code 90s}, {@code 500ms}) and print them. */
public final class Units {
    private Units() {}

    /** {@code 4096}, {@code 512k}, {@code 64m}, {@code 1g} (also {@code 1GiB}): the VMM's own parser. */
    public static long size(String flag, String v) {
        return io.coldtier.vmm.VmmConfig.size(flag.startsWith("--") ? flag.substring(2) : flag, v);
    }

    /** {@code 500ms}, {@code 1.5s}, {@code 90s}, {@code 2m}, or ISO-8601 ({@code PT90S}). */
    public static Duration duration(String flag, String v) {
        String s = v.trim().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) {
                return Duration.parse(v.trim().toUpperCase(Locale.ROOT));
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
            }
            if (s.endsWith("m")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 60_000));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(s) * 1000)); // bare number: seconds
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(flag + " '" + v + "' is not a duration (e.g. 500ms, 90s, 2m)");
        }
    }

    /** {@code 1 s}, {@code 1.5 s}, {@code 300 ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** {@code 20.3M}, {@code 512k}, {@code 97}: rates for the live view. */
    public static String si(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        if (a >= 1e9) {
            return String.format(Locale.ROOT, "%.2fG", v / 1e9);
        }
        if (a >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (a >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
