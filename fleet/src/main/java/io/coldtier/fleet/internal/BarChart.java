package io.coldtier.fleet.internal;

import io.coldtier.report.internal.Axis;
import io.coldtier.report.internal.Svg;
import io.coldtier.report.internal.Text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * A grouped vertical bar chart: one group per category (an idle age, a VM), one bar per series in each group. A null
 * or non-finite value draws no bar and a dash label ("not observable"), never a bar of zero height.
 */
public final class BarChart {
    private static final int HEIGHT = 360;

    private BarChart() {}

    /**
     * One series: a name, a colour and one value per category; {@code upper} (null = none) extends each bar with a
     * paler part up to an upper bound, for a figure known only as a range.
     */
    public record Series(String name, String color, Double[] values, Double[] upper) {
        public Series(String name, String color, Double[] values) {
            this(name, color, values, null);
        }
    }

    /** Renders the chart; {@code data-bars} counts the bars drawn. */
    public static String render(String id, String title, String yTitle, List<String> categories, List<Series> series,
                                DoubleFunction<String> yFormat, double yMaxAtLeast) {
        double yMax = yMaxAtLeast;
        int bars = 0;
        for (Series s : series) {
            for (Double v : s.values()) {
                if (v != null && Double.isFinite(v)) {
                    yMax = Math.max(yMax, v);
                    bars++;
                }
            }
            for (Double v : s.upper() == null ? new Double[0] : s.upper()) {
                if (v != null && Double.isFinite(v)) {
                    yMax = Math.max(yMax, v);
                }
            }
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("chart", "bar");
        data.put("bars", Integer.toString(bars));
        data.put("series", Integer.toString(series.size()));
        Svg svg = new Svg(id, HEIGHT, title, data);
        Svg.Plot plot = new Svg.Plot(90, 50, Svg.WIDTH - 25, HEIGHT - 60);
        Axis y = Axis.nice(0, yMax, 5);
        for (double t : y.ticks()) {
            double py = y.map(t, plot.bottom(), plot.top());
            svg.line(plot.left(), py, plot.right(), py, "grid");
            svg.text(plot.left() - 8, py + 4, "end", "tick", yFormat.apply(t));
        }
        svg.line(plot.left(), plot.bottom(), plot.right(), plot.bottom(), "axis");
        svg.line(plot.left(), plot.top(), plot.left(), plot.bottom(), "axis");
        svg.text(18, (plot.top() + plot.bottom()) / 2, "middle", "axis-title", yTitle, -90);
        double groupW = plot.width() / Math.max(1, categories.size());
        double barW = groupW * 0.8 / Math.max(1, series.size());
        for (int c = 0; c < categories.size(); c++) {
            double gx = plot.left() + c * groupW + groupW * 0.1;
            svg.text(gx + groupW * 0.4, plot.bottom() + 20, "middle", "tick", categories.get(c));
            for (int s = 0; s < series.size(); s++) {
                Series ser = series.get(s);
                Double v = c < ser.values().length ? ser.values()[c] : null;
                double x = gx + s * barW;
                if (v == null || !Double.isFinite(v)) {
                    svg.text(x + barW / 2, plot.bottom() - 4, "middle", "note", Text.NONE);
                    continue;
                }
                double top = y.map(v, plot.bottom(), plot.top());
                Double up = ser.upper() == null || c >= ser.upper().length ? null : ser.upper()[c];
                if (up != null && Double.isFinite(up) && up > v) {
                    double upTop = y.map(up, plot.bottom(), plot.top());
                    svg.rect(x + 1, upTop, barW - 2, top - upTop, "bar-range", ser.color(), ser.name() + " · "
                            + categories.get(c) + ": up to " + yFormat.apply(up));
                }
                svg.rect(x + 1, top, barW - 2, plot.bottom() - top, "bar", ser.color(),
                        ser.name() + " · " + categories.get(c) + ": " + yFormat.apply(v));
            }
        }
        if (bars == 0) {
            svg.empty(plot, "no data");
        }
        // The legend spaces entries by characters; DejaVu Sans is wider than it assumes, hence the padding.
        String[] names = series.stream().map(x -> x.name() + "   ").toArray(String[]::new);
        String[] colors = series.stream().map(Series::color).toArray(String[]::new);
        svg.legend(plot.left(), 24, names, colors, new boolean[names.length]);
        return svg.end();
    }
}
