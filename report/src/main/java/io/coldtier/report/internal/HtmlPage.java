package io.coldtier.report.internal;

import io.coldtier.report.RunRecording;
import io.coldtier.report.RunRecording.CycleSample;
import io.coldtier.report.RunRecording.Outcome;
import io.coldtier.report.RunRecording.RunInfo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.coldtier.report.internal.Text.esc;

/**
 * Assembles {@code report.html}: headline, run info, the charts, the policy's decisions. One file, no scripts, no
 * network: styles inline, charts as inline SVG. The markup is XHTML-compatible (every element closed, attributes
 * quoted, only XML's predefined entities) so tests can parse it with the JDK's XML parser.
 */
public final class HtmlPage {
    /** Element ids of the charts, in page order; tests and the render check look them up by these. */
    public static final List<String> CHART_IDS =
            List.of("chart-memory", "chart-throughput", "chart-cycles", "chart-heatmap", "chart-latency");
    static final double PAGES_PER_MIB = 256; // 4 KiB pages

    private HtmlPage() {}

    public static String render(RunRecording r) {
        RunInfo info = r.info();
        String vm = info == null ? "" : info.vmId();
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>coldtier run report ").append(esc(vm)).append("</title>\n")
                .append("<style>").append(Style.CSS).append("</style>\n</head>\n<body>\n<main>\n")
                .append("<h1>coldtier run report <span class=\"vm\">").append(esc(vm)).append("</span></h1>\n");
        b.append(Sections.headline(r.outcome(), r.baseline(), info));
        b.append(Sections.runInfo(info, r.baseline()));
        charts(b, r);
        b.append(Sections.decisions(r.decisions()));
        b.append("</main>\n</body>\n</html>\n");
        return b.toString();
    }

    private static void charts(StringBuilder b, RunRecording r) {
        List<CycleSample> cs = r.cycles();
        double[] t = cs.stream().mapToDouble(CycleSample::tSeconds).toArray();
        card(b, "Working set and resident memory", "Per cycle, in MiB: pages the guest touched in the cycle "
                + "(working set), pages in guest RAM (resident) and pages out on the tier (evicted).", memory(r, t));
        card(b, "Guest throughput against its baseline", "The guest's operations per second in each cycle while "
                + "tracked, and its rate measured untracked before tracking started.", throughput(r, t));
        card(b, "Evictions and refaults per cycle", "Pages written out to the tier and pages faulted back in, "
                + "per cycle (each panel has its own scale).", CycleBars.render("chart-cycles", cs));
        Map<Integer, Double> timeOf = new HashMap<>();
        cs.forEach(c -> timeOf.put(c.cycle(), c.tSeconds()));
        double cycleS = r.info() == null || !Double.isFinite(r.info().cycleSeconds()) ? 1 : r.info().cycleSeconds();
        card(b, "Access heatmap", "Which guest addresses were accessed when, as in damo report heatmap: "
                + "brighter cells had a larger share of their pages accessed in that cycle.",
                HeatmapChart.render("chart-heatmap", r.heatmap(), c -> timeOf.getOrDefault(c, c * cycleS)));
        card(b, "Refault latency", "Time from a guest's fault on an evicted page to the page being back, "
                + "over the whole run.", LatencyChart.render("chart-latency", r.refaultLatency()));
    }

    /** Working set, resident and evicted MiB per cycle, under a dashed line at the guest's size. */
    private static String memory(RunRecording r, double[] t) {
        List<CycleSample> cs = r.cycles();
        double guestMib = r.info() == null ? Double.NaN : r.info().guestBytes() / (double) (1 << 20);
        List<LineChart.Series> series = List.of(
                series("working set", "#7b3294", t, cs.stream().mapToDouble(c -> c.workingSetPages() / PAGES_PER_MIB)),
                series("resident", "#1f78b4", t, cs.stream().mapToDouble(c -> c.residentPages() / PAGES_PER_MIB)),
                series("evicted", "#d95f02", t, cs.stream().mapToDouble(c -> c.evictedPages() / PAGES_PER_MIB)),
                reference("guest memory", "#888888", t, guestMib));
        return LineChart.render(new LineChart.Spec("chart-memory", "Working set, resident and evicted memory",
                "time (s)", "MiB", Text::compact), series);
    }

    /** The guest's ops/s per cycle against its untracked baseline (dashed). */
    private static String throughput(RunRecording r, double[] t) {
        double base = r.baseline() == null ? Double.NaN : r.baseline().opsPerSecond();
        List<LineChart.Series> series = List.of(
                series("guest ops/s (tracked)", "#1b9e77", t,
                        r.cycles().stream().mapToDouble(CycleSample::guestOpsPerSecond)),
                reference("untracked baseline", "#555555", t, base));
        return LineChart.render(new LineChart.Spec("chart-throughput", "Guest throughput vs untracked baseline",
                "time (s)", "operations / s", Text::compact), series);
    }

    /** A dashed horizontal line at {@code value} across the run's time range. */
    private static LineChart.Series reference(String name, String color, double[] t, double value) {
        double t0 = t.length == 0 ? 0 : t[0], t1 = t.length == 0 ? 0 : t[t.length - 1];
        return new LineChart.Series(name, color, new double[] {t0, t1}, new double[] {value, value}, true);
    }

    private static LineChart.Series series(String name, String color, double[] t, java.util.stream.DoubleStream y) {
        return new LineChart.Series(name, color, t, y.toArray(), false);
    }

    private static void card(StringBuilder b, String heading, String caption, String svg) {
        b.append("<section class=\"card\">\n<h2>").append(esc(heading)).append("</h2>\n<p class=\"caption\">")
                .append(esc(caption)).append("</p>\n").append(svg).append("</section>\n");
    }

    /** True when the outcome must be shown as a failure: a lost write is the one thing the system must never do. */
    static boolean failed(Outcome o) {
        return o != null && (o.lostWrites() != 0 || o.verifyFailures() != 0);
    }
}
