package io.coldtier.report.internal;

import io.coldtier.report.RunRecording.CycleSample;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evictions and refaults per cycle as two bar panels on one cycle axis. Two panels, each with its own y scale,
 * because the counts differ by orders of magnitude (one eviction command moves thousands of pages; a good run
 * refaults a handful) and a shared scale would flatten the refaults to nothing.
 */
public final class CycleBars {
    static final int HEIGHT = 400;
    /** More bars than this get too thin to see: neighbouring cycles are then summed into one bar. */
    static final int MAX_BARS = 150;
    static final String EVICT_COLOR = "#d95f02";
    static final String REFAULT_COLOR = "#1f78b4";

    private CycleBars() {}

    public static String render(String id, List<CycleSample> cycles) {
        int n = cycles.size();
        int per = Math.max(1, (n + MAX_BARS - 1) / MAX_BARS);
        int bars = (n + per - 1) / per;
        long[] ev = new long[bars];
        long[] rf = new long[bars];
        for (int i = 0; i < n; i++) {
            ev[i / per] += cycles.get(i).evictions();
            rf[i / per] += cycles.get(i).refaults();
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("chart", "bars");
        data.put("points", Integer.toString(n));
        data.put("bars", Integer.toString(bars));
        data.put("cycles-per-bar", Integer.toString(per));
        Svg svg = new Svg(id, HEIGHT, "Evictions and refaults per cycle", data);
        int first = n == 0 ? 0 : cycles.get(0).cycle();
        int last = n == 0 ? 1 : cycles.get(n - 1).cycle() + 1;
        Axis x = Axis.nice(first, last, 12);
        Svg.Plot top = new Svg.Plot(90, 40, Svg.WIDTH - 25, 175);
        Svg.Plot bottom = new Svg.Plot(90, 210, Svg.WIDTH - 25, HEIGHT - 60);
        String unit = per == 1 ? "pages per cycle" : "pages per " + per + " cycles";
        panel(svg, top, x, cycles, per, ev, EVICT_COLOR, "evicted", unit);
        panel(svg, bottom, x, cycles, per, rf, REFAULT_COLOR, "refaulted", unit);
        svg.text((bottom.left() + bottom.right()) / 2, HEIGHT - 20, "middle", "axis-title", "cycle");
        svg.legend(top.left(), 24, new String[] {"evictions (pages)", "refaults (pages)"},
                new String[] {EVICT_COLOR, REFAULT_COLOR}, new boolean[] {false, false});
        if (n == 0) {
            svg.empty(top, "no cycles recorded");
        }
        return svg.end();
    }

    private static void panel(Svg svg, Svg.Plot p, Axis x, List<CycleSample> cycles, int per, long[] values,
                              String color, String what, String unit) {
        long max = 0;
        for (long v : values) {
            max = Math.max(max, v);
        }
        Axis y = Axis.nice(0, max, 3);
        for (double t : y.ticks()) {
            double py = y.map(t, p.bottom(), p.top());
            svg.line(p.left(), py, p.right(), py, "grid");
            svg.text(p.left() - 8, py + 4, "end", "tick", Text.compact(t));
        }
        for (double t : x.ticks()) {
            double px = x.map(t, p.left(), p.right());
            svg.line(px, p.bottom(), px, p.bottom() + 5, "axis");
            svg.text(px, p.bottom() + 18, "middle", "tick", Text.compact(t));
        }
        svg.line(p.left(), p.bottom(), p.right(), p.bottom(), "axis");
        svg.line(p.left(), p.top(), p.left(), p.bottom(), "axis");
        svg.text(18, (p.top() + p.bottom()) / 2, "middle", "axis-title", what, -90);
        svg.text(p.right(), p.top() - 4, "end", "note", unit);
        for (int b = 0; b < values.length; b++) {
            if (values[b] == 0) {
                continue; // nothing to draw; the gap is the information
            }
            int c0 = cycles.get(b * per).cycle();
            double x0 = x.map(c0, p.left(), p.right());
            double w = x.map(c0 + per, p.left(), p.right()) - x0;
            double y0 = y.map(values[b], p.bottom(), p.top());
            String tip = (per == 1 ? "cycle " + c0 : "cycles " + c0 + "–" + (c0 + per - 1)) + ": "
                    + Text.count(values[b]) + " pages " + what;
            svg.rect(x0 + w * 0.1, y0, Math.max(1, w * 0.8), p.bottom() - y0, "bar", color, tip);
        }
    }
}
