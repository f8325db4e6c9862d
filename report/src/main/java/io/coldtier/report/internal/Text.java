package io.coldtier.report.internal;

import java.util.Locale;

/**
 * Escaping and number formatting for the report. Every string from a recording passes through {@link #esc} before it
 * reaches HTML or SVG: notes, evidence and host names are free text and may hold {@code <}, {@code &} or quotes.
 * Numbers always use {@link Locale#ROOT} so a report does not change with the machine's locale.
 */
public final class Text {
    /** Shown wherever a value is missing or not finite. */
    public static final String NONE = "–";

    private Text() {}

    /**
     * Escapes text for element content and attribute values alike (HTML and XML). Control characters that XML 1.0
     * forbids become U+FFFD, so the page stays parseable as XHTML whatever a note contains.
     */
    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }

    /** {@code v} with {@code decimals} digits, or {@link #NONE} when not finite. */
    public static String num(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : NONE;
    }

    /** A grouped integer: 1234567 → "1,234,567". */
    public static String count(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** A short label for axes: 950, 1.5k, 12k, 3.2M, 1.1G; small values keep up to two decimals. */
    public static String compact(double v) {
        if (!Double.isFinite(v)) {
            return NONE;
        }
        double a = Math.abs(v);
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e4) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    /** A fraction as a percentage with one decimal: 0.4321 → "43.2 %". */
    public static String percent(double fraction) {
        return Double.isFinite(fraction) ? String.format(Locale.ROOT, "%.1f %%", fraction * 100) : NONE;
    }

    /** A latency in µs, switching to ms and s where µs digits stop being readable. */
    public static String micros(double us) {
        if (!Double.isFinite(us)) {
            return NONE;
        }
        if (us >= 1e6) {
            return trim(us / 1e6) + " s";
        }
        if (us >= 1e4) {
            return trim(us / 1e3) + " ms";
        }
        return trim(us) + " µs";
    }

    /** Bytes in the largest binary unit that keeps the number ≥ 1. */
    public static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return trim(v) + " " + units[u];
    }

    /** Up to two decimals for small numbers, one for medium, none for large; trailing zeros dropped. */
    static String trim(double v) {
        double a = Math.abs(v);
        String s = a >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : a >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
        if (s.contains(".")) {
            s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return s.equals("-0") ? "0" : s;
    }
}
