package io.coldtier.bench;

import java.util.Locale;

/**
 * One measured mean per operation, kept in nanoseconds and shown in {@code unit} ("ns" or "ms").
 * {@code errorNanos} is JMH's 99.9 % confidence half-width, or NaN when there is none (C floor,
 * or a single JMH iteration).
 */
record Figure(double nanos, double errorNanos, String unit) {
    Figure {
        if (!unit.equals("ns") && !unit.equals("ms")) {
            throw new IllegalArgumentException("unit must be ns or ms, not " + unit);
        }
    }

    static Figure of(double value, double error, String unit) {
        double scale = scale(unit);
        return new Figure(value * scale, error * scale, unit);
    }

    /** Nanoseconds per {@code unit}; JMH's "ns/op" and "ms/op" are accepted too. */
    static double scale(String unit) {
        return switch (unit.replace("/op", "")) {
            case "ns" -> 1;
            case "us" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            default -> throw new IllegalArgumentException("unknown time unit " + unit);
        };
    }

    double inUnit(String other) {
        return nanos / scale(other);
    }

    /** "1.23 ± 0.04 ns", or "1.23 ns" without an error. */
    String format() {
        double v = inUnit(unit);
        if (Double.isNaN(errorNanos)) {
            return String.format(Locale.ROOT, "%s %s", digits(v), unit);
        }
        return String.format(Locale.ROOT, "%s ± %s %s", digits(v), digits(errorNanos / scale(unit)), unit);
    }

    /** The same value shown in {@code other}'s unit, so both columns of a row read alike. */
    Figure in(String other) {
        return new Figure(nanos, errorNanos, other);
    }

    private static String digits(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
    }
}
