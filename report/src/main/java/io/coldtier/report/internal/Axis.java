package io.coldtier.report.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A linear axis with "nice" bounds and tick step (1, 2, 2.5 or 5 × 10ⁿ), mapped onto a pixel range. A degenerate
 * range (all values equal, or nothing finite) is widened so a chart always has a frame to draw in.
 *
 * @param min  the first tick (≤ every value)
 * @param max  the last tick (≥ every value)
 * @param step the distance between ticks
 */
public record Axis(double min, double max, double step) {

    /** An axis covering {@code [lo, hi]} with about {@code target} ticks. */
    public static Axis nice(double lo, double hi, int target) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi)) {
            lo = 0;
            hi = 1;
        }
        if (hi < lo) {
            double t = lo;
            lo = hi;
            hi = t;
        }
        if (hi - lo < 1e-12) {
            // One value only: give it room on both sides (or above, when it is zero).
            double pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.5 : 1;
            hi += pad;
            lo = lo == 0 ? 0 : lo - pad;
        }
        double raw = (hi - lo) / Math.max(1, target);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag;
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * mag >= raw) {
                step = m * mag;
                break;
            }
        }
        return new Axis(Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step, step);
    }

    /**
     * The multiples of {@link #step} within {@code [min, max]}: for a {@link #nice} axis that is min, min + step,
     * …, max; for an axis spanning exact data bounds (the heatmap) only the round values inside it.
     */
    public List<Double> ticks() {
        List<Double> out = new ArrayList<>();
        long first = (long) Math.ceil(min / step - 1e-9);
        long last = (long) Math.floor(max / step + 1e-9);
        for (long i = first; i <= last && out.size() <= 1000; i++) {
            out.add(i * step);
        }
        return out;
    }

    /** Maps {@code v} from this axis onto the pixel range {@code [p0, p1]} (p1 may be smaller, for y axes). */
    public double map(double v, double p0, double p1) {
        return p0 + (v - min) / (max - min) * (p1 - p0);
    }
}
