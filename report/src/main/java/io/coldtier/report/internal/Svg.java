package io.coldtier.report.internal;

import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;

import static io.coldtier.report.internal.Text.esc;

/**
 * A tiny SVG writer: just the elements the charts use, every text and attribute escaped. Output is XML-compatible
 * (quoted attributes, self-closed empty elements), so the page it lands in parses as XHTML in tests.
 *
 * <p>Every chart is one {@code <svg class="chart">} with an {@code id} and {@code data-*} attributes describing the
 * data it carries ({@code data-points} at least), so a test can check a chart exists and is not empty without
 * interpreting geometry.
 */
public final class Svg {
    /** Chart width in user units; the page scales it to its column (viewBox + width 100 %). */
    public static final int WIDTH = 1100;

    private final StringBuilder sb = new StringBuilder(8192);

    /**
     * Opens a chart.
     *
     * @param data {@code data-*} attributes without the prefix, in iteration order
     */
    public Svg(String id, int height, String title, Map<String, String> data) {
        sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"").append(esc(id))
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(esc(title)).append('"');
        data.forEach((k, v) -> sb.append(" data-").append(k).append("=\"").append(esc(v)).append('"'));
        sb.append("><title>").append(esc(title)).append("</title>\n");
    }

    /** Appends pre-built markup (used for {@code <defs>}); callers escape what they put in. */
    public Svg raw(String markup) {
        sb.append(markup);
        return this;
    }

    public Svg line(double x1, double y1, double x2, double y2, String cls) {
        sb.append("<line class=\"").append(cls).append("\" x1=\"").append(f(x1)).append("\" y1=\"").append(f(y1))
                .append("\" x2=\"").append(f(x2)).append("\" y2=\"").append(f(y2)).append("\"/>\n");
        return this;
    }

    /** A rectangle; a non-null {@code tooltip} becomes a child {@code <title>} (the browser's hover text). */
    public Svg rect(double x, double y, double w, double h, String cls, String fill, String tooltip) {
        sb.append("<rect class=\"").append(cls).append("\" x=\"").append(f(x)).append("\" y=\"").append(f(y))
                .append("\" width=\"").append(f(Math.max(0, w))).append("\" height=\"").append(f(Math.max(0, h)))
                .append('"');
        if (fill != null) {
            sb.append(" fill=\"").append(esc(fill)).append('"');
        }
        if (tooltip == null) {
            sb.append("/>\n");
        } else {
            sb.append("><title>").append(esc(tooltip)).append("</title></rect>\n");
        }
        return this;
    }

    public Svg circle(double cx, double cy, double r, String fill) {
        sb.append("<circle class=\"marker\" cx=\"").append(f(cx)).append("\" cy=\"").append(f(cy)).append("\" r=\"")
                .append(f(r)).append("\" fill=\"").append(esc(fill)).append("\"/>\n");
        return this;
    }

    /** A path; {@code extra} is a pre-escaped attribute string such as {@code data-points="12"}. */
    public Svg path(String d, String cls, String stroke, String extra) {
        sb.append("<path class=\"").append(cls).append("\" d=\"").append(d).append("\" stroke=\"").append(esc(stroke))
                .append("\" fill=\"none\"");
        if (!extra.isEmpty()) {
            sb.append(' ').append(extra);
        }
        sb.append("/>\n");
        return this;
    }

    /** Text anchored {@code start|middle|end}, optionally rotated by {@code rotate} degrees about its anchor. */
    public Svg text(double x, double y, String anchor, String cls, String text, int rotate) {
        sb.append("<text class=\"").append(cls).append("\" x=\"").append(f(x)).append("\" y=\"").append(f(y))
                .append("\" text-anchor=\"").append(anchor).append('"');
        if (rotate != 0) {
            sb.append(" transform=\"rotate(").append(rotate).append(' ').append(f(x)).append(' ').append(f(y))
                    .append(")\"");
        }
        sb.append('>').append(esc(text)).append("</text>\n");
        return this;
    }

    public Svg text(double x, double y, String anchor, String cls, String text) {
        return text(x, y, anchor, cls, text, 0);
    }

    /** A horizontal legend: a colour swatch and a name per entry, starting at {@code (x, y)}. */
    public Svg legend(double x, double y, String[] names, String[] colors, boolean[] dashed) {
        double cx = x;
        for (int i = 0; i < names.length; i++) {
            sb.append("<line class=\"").append(dashed[i] ? "legend-swatch dashed" : "legend-swatch")
                    .append("\" x1=\"").append(f(cx)).append("\" y1=\"").append(f(y - 4)).append("\" x2=\"")
                    .append(f(cx + 22)).append("\" y2=\"").append(f(y - 4)).append("\" stroke=\"")
                    .append(esc(colors[i])).append("\"/>\n");
            text(cx + 28, y, "start", "legend", names[i]);
            cx += 40 + names[i].length() * 7.5;
        }
        return this;
    }

    /**
     * Draws a plot frame: horizontal grid lines and y tick labels, x tick labels, both axis titles.
     *
     * @param p plot area in user units
     */
    public Svg axes(Plot p, Axis x, Axis y, String xTitle, String yTitle, DoubleFunction<String> xFmt,
                    DoubleFunction<String> yFmt) {
        for (double t : y.ticks()) {
            double py = y.map(t, p.bottom(), p.top());
            line(p.left(), py, p.right(), py, "grid");
            text(p.left() - 8, py + 4, "end", "tick", yFmt.apply(t));
        }
        for (double t : x.ticks()) {
            double px = x.map(t, p.left(), p.right());
            line(px, p.bottom(), px, p.bottom() + 5, "axis");
            text(px, p.bottom() + 20, "middle", "tick", xFmt.apply(t));
        }
        line(p.left(), p.bottom(), p.right(), p.bottom(), "axis");
        line(p.left(), p.top(), p.left(), p.bottom(), "axis");
        text((p.left() + p.right()) / 2, p.bottom() + 40, "middle", "axis-title", xTitle);
        text(18, (p.top() + p.bottom()) / 2, "middle", "axis-title", yTitle, -90);
        return this;
    }

    /** A centred grey message inside the plot area, for charts without data. */
    public Svg empty(Plot p, String message) {
        return text((p.left() + p.right()) / 2, (p.top() + p.bottom()) / 2, "middle", "empty", message);
    }

    public String end() {
        return sb.append("</svg>\n").toString();
    }

    /** Coordinates with at most one decimal: enough for the screen, and it keeps the page small. */
    static String f(double v) {
        if (!Double.isFinite(v)) {
            return "0";
        }
        long r = Math.round(v * 10);
        return r % 10 == 0 ? Long.toString(r / 10) : String.format(Locale.ROOT, "%.1f", r / 10.0);
    }

    /** The plot area inside a chart's viewBox, in user units. */
    public record Plot(double left, double top, double right, double bottom) {
        public double width() {
            return right - left;
        }

        public double height() {
            return bottom - top;
        }
    }
}
