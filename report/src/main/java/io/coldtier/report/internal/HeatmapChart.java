package io.coldtier.report.internal;

import io.coldtier.report.RunRecording.Heatmap;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

/**
 * The access heatmap, as {@code damo report heatmap} draws it: time to the right, guest address upwards, colour =
 * share of the cell's pages accessed. The cells are one PNG raster inside the SVG (scaled without smoothing), not
 * one {@code <rect>} each: 200 × 300 cells would be 60,000 elements and megabytes of markup, while the raster is a
 * few kilobytes and draws instantly. Axes, legend and labels stay vector.
 */
public final class HeatmapChart {
    static final int HEIGHT = 470;
    /** Beyond these the cells are smaller than a screen pixel: neighbouring cells are averaged. */
    public static final int MAX_COLUMNS = 200;
    public static final int MAX_ROWS = 300;
    static final long PAGE = 4096;

    /** Viridis at five stops: perceptually uniform, readable in grey and by colour-blind readers. */
    private static final int[] STOPS = {0x440154, 0x3b528b, 0x21918c, 0x5ec962, 0xfde725};

    private HeatmapChart() {}

    /**
     * Averages {@code h} down to at most {@link #MAX_COLUMNS} time columns × {@link #MAX_ROWS} address rows.
     * Returns {@code [column][row]} fractions in {@code 0..1}; row 0 is the lowest address.
     */
    public static double[][] downsample(Heatmap h) {
        int times = h.accessed().length;
        int buckets = Math.max(0, h.buckets());
        int cols = Math.min(times, MAX_COLUMNS);
        int rows = Math.min(buckets, MAX_ROWS);
        double[][] sum = new double[cols][rows];
        int[][] n = new int[cols][rows];
        double perBucket = Math.max(1, h.pagesPerBucket());
        for (int t = 0; t < times; t++) {
            int c = (int) ((long) t * cols / times);
            int[] row = h.accessed()[t] == null ? new int[0] : h.accessed()[t];
            for (int b = 0; b < buckets; b++) {
                int r = (int) ((long) b * rows / buckets);
                // Ragged or short rows count as "not accessed" rather than failing the whole report.
                double v = b < row.length ? Math.clamp(row[b] / perBucket, 0, 1) : 0;
                sum[c][r] += v;
                n[c][r]++;
            }
        }
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                sum[c][r] = n[c][r] == 0 ? 0 : sum[c][r] / n[c][r];
            }
        }
        return sum;
    }

    /**
     * Renders the heatmap. {@code timeOfCycle} gives a cycle's end time in seconds (from the cycle samples).
     */
    public static String render(String id, Heatmap h, IntToDoubleFunction timeOfCycle) {
        boolean has = h != null && h.accessed() != null && h.accessed().length > 0 && h.buckets() > 0;
        double[][] cells = has ? downsample(h) : new double[0][0];
        int cols = cells.length;
        int rows = cols == 0 ? 0 : cells[0].length;
        long nonZero = 0;
        for (double[] col : cells) {
            for (double v : col) {
                nonZero += v > 0 ? 1 : 0;
            }
        }
        Map<String, String> data = new LinkedHashMap<>();
        data.put("chart", "heatmap");
        data.put("points", Integer.toString(cols * rows));
        data.put("columns", Integer.toString(cols));
        data.put("rows", Integer.toString(rows));
        data.put("nonzero-cells", Long.toString(nonZero));
        data.put("source-cycles", Integer.toString(has ? h.accessed().length : 0));
        data.put("source-buckets", Integer.toString(has ? h.buckets() : 0));
        Svg svg = new Svg(id, HEIGHT, "Access heatmap: guest address × time", data);
        Svg.Plot p = new Svg.Plot(90, 20, Svg.WIDTH - 130, HEIGHT - 60);
        double t0 = has ? timeOfCycle.applyAsDouble(h.cycles().length > 0 ? h.cycles()[0] : 0) : 0;
        double t1 = has ? timeOfCycle.applyAsDouble(h.cycles().length > 0 ? h.cycles()[h.cycles().length - 1] : 1)
                : 1;
        double mib = has ? h.buckets() * (double) h.pagesPerBucket() * PAGE / (1 << 20) : 1;
        Axis x = exact(t0, t1);
        Axis y = exact(0, mib);
        // Axes first: the raster then covers the grid lines, which would otherwise stripe the cells.
        svg.axes(p, x, y, "time (s)", "guest address (MiB)", Text::compact, Text::compact);
        if (has) {
            svg.raw("<image class=\"heatmap-cells\" x=\"" + Svg.f(p.left()) + "\" y=\"" + Svg.f(p.top())
                    + "\" width=\"" + Svg.f(p.width()) + "\" height=\"" + Svg.f(p.height())
                    + "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" href=\"data:image/png;base64,"
                    + png(cells) + "\"/>\n");
        } else {
            svg.empty(p, "no heatmap recorded");
        }
        legend(svg, p);
        return svg.end();
    }

    /** The axis exactly spanning {@code [lo, hi]} (the raster fills the frame), with nice ticks inside it. */
    private static Axis exact(double lo, double hi) {
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        return new Axis(lo, hi, Axis.nice(lo, hi, 8).step());
    }

    /** The colour for a share of pages accessed, interpolated between the viridis stops. */
    public static int color(double v) {
        double pos = (Double.isNaN(v) ? 0 : Math.clamp(v, 0, 1)) * (STOPS.length - 1);
        int i = Math.min((int) pos, STOPS.length - 2);
        double f = pos - i;
        int a = STOPS[i], b = STOPS[i + 1];
        int r = (int) Math.round(((a >> 16) & 0xff) * (1 - f) + ((b >> 16) & 0xff) * f);
        int g = (int) Math.round(((a >> 8) & 0xff) * (1 - f) + ((b >> 8) & 0xff) * f);
        int bl = (int) Math.round((a & 0xff) * (1 - f) + (b & 0xff) * f);
        return (r << 16) | (g << 8) | bl;
    }

    static String hex(int rgb) {
        return String.format("#%06x", rgb);
    }

    private static void legend(Svg svg, Svg.Plot p) {
        double x = p.right() + 30, w = 18;
        StringBuilder defs = new StringBuilder("<defs><linearGradient id=\"heatmap-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">");
        for (int i = 0; i <= 10; i++) {
            defs.append("<stop offset=\"").append(i * 10).append("%\" stop-color=\"").append(hex(color(i / 10.0)))
                    .append("\"/>");
        }
        svg.raw(defs.append("</linearGradient></defs>\n").toString());
        svg.raw("<rect class=\"legend-scale\" x=\"" + Svg.f(x) + "\" y=\"" + Svg.f(p.top()) + "\" width=\"" + Svg.f(w)
                + "\" height=\"" + Svg.f(p.height()) + "\" fill=\"url(#heatmap-scale)\"/>\n");
        for (int pct = 0; pct <= 100; pct += 25) {
            double py = p.bottom() - pct / 100.0 * p.height();
            svg.line(x + w, py, x + w + 4, py, "axis");
            svg.text(x + w + 7, py + 4, "start", "tick", pct + " %");
        }
        svg.text(Svg.WIDTH - 8, (p.top() + p.bottom()) / 2, "middle", "axis-title", "pages accessed in cell", -90);
    }

    private static String png(double[][] cells) {
        int cols = cells.length, rows = cells[0].length;
        BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_INT_RGB);
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                img.setRGB(c, rows - 1 - r, color(cells[c][r])); // image rows go down, addresses go up
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the heatmap raster", e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }
}
