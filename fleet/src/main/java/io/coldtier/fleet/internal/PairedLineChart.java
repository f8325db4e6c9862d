package io.coldtier.fleet.internal;

import io.coldtier.report.internal.Axis;
import io.coldtier.report.internal.LineChart;
import io.coldtier.report.internal.Svg;
import io.coldtier.report.internal.Text;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Like report's {@link LineChart}, but each VM has a solid line (one bound of a figure) and a dashed line of the same
 * colour (the other bound), with one legend entry per VM and a single entry explaining the dashes.
 */
public final class PairedLineChart {
    private static final int HEIGHT = 330;

    private PairedLineChart() {}

    /** {@code solid} and {@code dashed} hold one series per VM, in the same order and colours. */
    public static String render(LineChart.Spec spec, List<LineChart.Series> solid, List<LineChart.Series> dashed,
                                String dashedName) {
        int measured = 0;
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY, yMax = 0;
        for (List<LineChart.Series> group : List.of(solid, dashed)) {
            for (LineChart.Series s : group) {
                for (int i = 0; i < Math.min(s.x().length, s.y().length); i++) {
                    if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                        xMin = Math.min(xMin, s.x()[i]);
                        xMax = Math.max(xMax, s.x()[i]);
                        yMax = Math.max(yMax, s.y()[i]);
                        measured += group == solid ? 1 : 0;
                    }
                }
            }
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("chart", "line");
        data.put("points", Integer.toString(measured));
        data.put("series", Integer.toString(solid.size() + dashed.size()));
        Svg svg = new Svg(spec.id(), HEIGHT, spec.title(), data);
        Svg.Plot plot = new Svg.Plot(90, 40, Svg.WIDTH - 25, HEIGHT - 60);
        Axis x = Axis.nice(xMin, xMax, 10);
        Axis y = Axis.nice(0, yMax, 5);
        svg.axes(plot, x, y, spec.xTitle(), spec.yTitle(), Text::compact, spec.yFormat());
        if (measured == 0) {
            svg.empty(plot, "no samples recorded");
        }
        for (LineChart.Series s : dashed) {
            draw(svg, plot, x, y, s, "series dashed");
        }
        for (LineChart.Series s : solid) {
            draw(svg, plot, x, y, s, "series");
        }
        int n = solid.size() + 1;
        String[] names = new String[n];
        String[] colors = new String[n];
        boolean[] dashes = new boolean[n];
        for (int i = 0; i < solid.size(); i++) {
            names[i] = solid.get(i).name() + "   "; // the legend spaces entries by characters; DejaVu is wider
            colors[i] = solid.get(i).color();
        }
        names[n - 1] = dashedName;
        colors[n - 1] = "#777777";
        dashes[n - 1] = true;
        svg.legend(plot.left(), 24, names, colors, dashes);
        return svg.end();
    }

    private static void draw(Svg svg, Svg.Plot plot, Axis x, Axis y, LineChart.Series s, String cls) {
        StringBuilder d = new StringBuilder();
        boolean pen = false;
        int points = 0;
        for (int i = 0; i < Math.min(s.x().length, s.y().length); i++) {
            double xv = s.x()[i], yv = s.y()[i];
            if (!Double.isFinite(xv) || !Double.isFinite(yv)) {
                pen = false; // a gap, not a fall to zero
                continue;
            }
            d.append(pen ? 'L' : 'M').append(Math.round(x.map(xv, plot.left(), plot.right()) * 10) / 10.0).append(' ')
                    .append(Math.round(y.map(yv, plot.bottom(), plot.top()) * 10) / 10.0).append(' ');
            pen = true;
            points++;
        }
        svg.path(d.toString().trim(), cls, s.color(), "data-series=\"" + Text.esc(s.name()) + "\" data-points=\""
                + points + "\"");
    }
}
