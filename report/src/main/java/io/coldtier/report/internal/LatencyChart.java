package io.coldtier.report.internal;

import io.coldtier.report.RunRecording.LatencyHistogram;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The refault latency histogram: one equal-width bar per bucket, so exponentially spaced bucket bounds read as a
 * log-scale x axis, labelled by each bucket's upper bound in µs. The p50 and p99 the recorder computed are marked
 * where they fall, interpolated on the log scale inside their bucket.
 */
public final class LatencyChart {
    static final int HEIGHT = 340;
    static final String BAR_COLOR = "#1f78b4";
    static final String P50_COLOR = "#1b9e77";
    static final String P99_COLOR = "#d7191c";

    private LatencyChart() {}

    public static String render(String id, LatencyHistogram h) {
        int n = h == null ? 0 : Math.min(h.upperBoundsMicros().length, h.counts().length);
        long total = 0, max = 0;
        int firstUsed = -1, lastUsed = -1;
        for (int i = 0; i < n; i++) {
            long c = Math.max(0, h.counts()[i]);
            total += c;
            max = Math.max(max, c);
            if (c > 0) {
                firstUsed = firstUsed < 0 ? i : firstUsed;
                lastUsed = i;
            }
        }
        // Show the used range plus one empty bucket either side: thirty empty microsecond buckets say nothing.
        int from = firstUsed < 0 ? 0 : Math.max(0, firstUsed - 1);
        int to = firstUsed < 0 ? n - 1 : Math.min(n - 1, lastUsed + 1);
        int shown = Math.max(0, to - from + 1);
        Map<String, String> data = new LinkedHashMap<>();
        data.put("chart", "histogram");
        data.put("points", Long.toString(total));
        data.put("buckets", Integer.toString(shown));
        data.put("p50-us", h == null ? "" : Text.num(h.p50Micros(), 1));
        data.put("p99-us", h == null ? "" : Text.num(h.p99Micros(), 1));
        Svg svg = new Svg(id, HEIGHT, "Refault latency histogram", data);
        Svg.Plot p = new Svg.Plot(90, 40, Svg.WIDTH - 25, HEIGHT - 60);
        Axis y = Axis.nice(0, max, 5);
        for (double t : y.ticks()) {
            double py = y.map(t, p.bottom(), p.top());
            svg.line(p.left(), py, p.right(), py, "grid");
            svg.text(p.left() - 8, py + 4, "end", "tick", Text.compact(t));
        }
        svg.line(p.left(), p.bottom(), p.right(), p.bottom(), "axis");
        svg.line(p.left(), p.top(), p.left(), p.bottom(), "axis");
        svg.text((p.left() + p.right()) / 2, p.bottom() + 40, "middle", "axis-title",
                "refault latency, bucket upper bound (µs, log scale)");
        svg.text(18, (p.top() + p.bottom()) / 2, "middle", "axis-title", "refaults", -90);
        if (total == 0) {
            svg.empty(p, "no refaults recorded");
            return svg.end();
        }
        double bw = p.width() / shown;
        bars(svg, p, y, h, from, to, bw);
        marker(svg, p, h, from, to, bw, h.p50Micros(), "p50", P50_COLOR, 0);
        marker(svg, p, h, from, to, bw, h.p99Micros(), "p99", P99_COLOR, 1);
        svg.legend(p.left(), 24, new String[] {
                "refaults: " + Text.count(total),
                "p50 " + Text.micros(h.p50Micros()),
                "p99 " + Text.micros(h.p99Micros())}, new String[] {BAR_COLOR, P50_COLOR, P99_COLOR},
                new boolean[] {false, true, true});
        return svg.end();
    }

    /** One bar per shown bucket, labelled with its upper bound (every k-th label when the bars are narrow). */
    private static void bars(Svg svg, Svg.Plot p, Axis y, LatencyHistogram h, int from, int to, double bw) {
        // Labels need ~44 units; thin out to every k-th bucket when bars are narrower.
        int every = Math.max(1, (int) Math.ceil(44 / bw));
        for (int i = from; i <= to; i++) {
            double x0 = p.left() + (i - from) * bw;
            long c = Math.max(0, h.counts()[i]);
            double y0 = y.map(c, p.bottom(), p.top());
            if (c > 0) {
                String range = Double.isFinite(h.upperBoundsMicros()[i]) ? "≤ " + Text.micros(h.upperBoundsMicros()[i])
                        : "> " + Text.micros(i > 0 ? h.upperBoundsMicros()[i - 1] : 0);
                svg.rect(x0 + bw * 0.08, y0, bw * 0.84, p.bottom() - y0, "bar", BAR_COLOR,
                        range + ": " + Text.count(c) + " refaults");
            }
            if ((i - from) % every == 0) {
                svg.text(x0 + bw / 2, p.bottom() + 18, "middle", "tick", label(h.upperBoundsMicros(), i));
            }
        }
    }

    /**
     * A bucket's axis label: its upper bound, or "&gt; previous bound" for an open-ended last bucket (recorders
     * put everything above their top bound into a bucket whose bound is +∞).
     */
    static String label(double[] upperBounds, int i) {
        if (Double.isFinite(upperBounds[i])) {
            return Text.compact(upperBounds[i]);
        }
        return i > 0 && Double.isFinite(upperBounds[i - 1]) ? "> " + Text.compact(upperBounds[i - 1]) : "more";
    }

    /** A dashed vertical line at percentile value {@code v}, labelled; nothing when {@code v} is not finite. */
    private static void marker(Svg svg, Svg.Plot p, LatencyHistogram h, int from, int to, double bw, double v,
                               String name, String color, int slot) {
        if (!Double.isFinite(v) || v <= 0) {
            return;
        }
        double[] ub = h.upperBoundsMicros();
        double pos = to - from + 1; // beyond the last shown bucket: clamp to the right edge
        for (int i = from; i <= to; i++) {
            if (v <= ub[i]) {
                double lo = i > 0 ? ub[i - 1] : ub[i] / 2;
                // An open-ended bucket (+∞) has no log position: put the marker in its middle.
                double frac = !Double.isFinite(ub[i]) ? 0.5
                        : lo > 0 && ub[i] > lo ? (Math.log(v) - Math.log(lo)) / (Math.log(ub[i]) - Math.log(lo)) : 1;
                pos = (i - from) + Math.clamp(frac, 0, 1);
                break;
            }
        }
        double x = p.left() + pos * bw;
        svg.raw("<line class=\"percentile dashed\" data-percentile=\"" + name + "\" x1=\"" + Svg.f(x) + "\" y1=\""
                + Svg.f(p.top()) + "\" x2=\"" + Svg.f(x) + "\" y2=\"" + Svg.f(p.bottom()) + "\" stroke=\"" + color
                + "\"/>\n");
        boolean right = x < p.right() - 120;
        svg.text(right ? x + 5 : x - 5, p.top() + 14 + slot * 16, right ? "start" : "end", "marker-label",
                name + " " + Text.micros(v));
    }
}
