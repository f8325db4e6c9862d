package io.coldtier.report.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * A line chart over time with one or more series sharing the y axis, the y axis starting at 0 (page counts and
 * rates: a zero baseline keeps proportions honest). Non-finite y values break the line instead of dropping to 0.
 */
public final class LineChart {
    static final int HEIGHT = 330;
    /** Above this many points per series the markers would only blur the line. */
    static final int MAX_MARKERS = 40;

    private LineChart() {}

    /**
     * One line. {@code x} and {@code y} have the same length.
     *
     * @param dashed reference lines (baselines, capacities) are dashed so they do not read as measurements
     */
    public record Series(String name, String color, double[] x, double[] y, boolean dashed) {
        int finitePoints() {
            int n = 0;
            for (int i = 0; i < Math.min(x.length, y.length); i++) {
                if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                    n++;
                }
            }
            return n;
        }
    }

    /** What the chart is about: its id, its title and its axes' titles and label formats. */
    public record Spec(String id, String title, String xTitle, String yTitle, DoubleFunction<String> yFormat) {}

    /**
     * Renders the chart. {@code data-points} counts the finite points of the measured (solid) series, so reference
     * lines alone do not make an empty chart look full.
     */
    public static String render(Spec spec, List<Series> series) {
        int measured = 0;
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY, yMax = 0;
        for (Series s : series) {
            if (!s.dashed()) {
                measured += s.finitePoints();
            }
            for (int i = 0; i < Math.min(s.x().length, s.y().length); i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    xMin = Math.min(xMin, s.x()[i]);
                    xMax = Math.max(xMax, s.x()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                }
            }
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("chart", "line");
        data.put("points", Integer.toString(measured));
        data.put("series", Integer.toString(series.size()));
        Svg svg = new Svg(spec.id(), HEIGHT, spec.title(), data);
        Svg.Plot plot = new Svg.Plot(90, 40, Svg.WIDTH - 25, HEIGHT - 60);
        Axis x = Axis.nice(xMin, xMax, 10);
        Axis y = Axis.nice(0, yMax, 5);
        svg.axes(plot, x, y, spec.xTitle(), spec.yTitle(), Text::compact, spec.yFormat());
        if (measured == 0) {
            svg.empty(plot, "no samples recorded");
        }
        for (Series s : series) {
            drawSeries(svg, plot, x, y, s);
        }
        String[] names = series.stream().map(Series::name).toArray(String[]::new);
        String[] colors = series.stream().map(Series::color).toArray(String[]::new);
        boolean[] dashed = new boolean[series.size()];
        for (int i = 0; i < dashed.length; i++) {
            dashed[i] = series.get(i).dashed();
        }
        svg.legend(plot.left(), 24, names, colors, dashed);
        return svg.end();
    }

    private static void drawSeries(Svg svg, Svg.Plot plot, Axis x, Axis y, Series s) {
        StringBuilder d = new StringBuilder();
        boolean pen = false;
        int n = Math.min(s.x().length, s.y().length);
        for (int i = 0; i < n; i++) {
            double xv = s.x()[i], yv = s.y()[i];
            if (!Double.isFinite(xv) || !Double.isFinite(yv)) {
                pen = false; // a gap, not a fall to zero
                continue;
            }
            d.append(pen ? 'L' : 'M').append(Svg.f(x.map(xv, plot.left(), plot.right()))).append(' ')
                    .append(Svg.f(y.map(yv, plot.bottom(), plot.top()))).append(' ');
            pen = true;
        }
        String cls = s.dashed() ? "series dashed" : "series";
        String extra = "data-series=\"" + Text.esc(s.name()) + "\" data-points=\"" + s.finitePoints() + "\"";
        svg.path(d.toString().trim(), cls, s.color(), extra);
        if (!s.dashed() && s.finitePoints() <= MAX_MARKERS) {
            for (int i = 0; i < n; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    svg.circle(x.map(s.x()[i], plot.left(), plot.right()), y.map(s.y()[i], plot.bottom(), plot.top()),
                            3, s.color());
                }
            }
        }
    }
}
