package io.coldtier.fleet.internal;

import io.coldtier.fleet.FleetReport;
import io.coldtier.fleet.FleetReport.ColdAge;
import io.coldtier.fleet.FleetReport.HostStats;
import io.coldtier.fleet.FleetReport.Point;
import io.coldtier.fleet.FleetReport.VmStats;
import io.coldtier.report.internal.LineChart;
import io.coldtier.report.internal.Text;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleBiFunction;

import static io.coldtier.report.internal.Text.esc;

/** The fleet report page: self-contained XHTML with inline SVG charts and the per-host and per-VM tables. */
public final class FleetHtml {
    /** The ids of the page's charts, in page order (the render test looks for each). */
    public static final List<String> CHART_IDS = List.of("chart-cold-ages", "chart-working-set", "chart-cold-over-time",
            "chart-saved", "chart-refaults", "chart-reclaimable");
    private static final double MIB = 1 << 20;

    private FleetHtml() {}

    public static String render(FleetReport r) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n")
                .append("<meta charset=\"utf-8\"/>\n<title>coldtier fleet report</title>\n<style>")
                .append(Palette.CSS).append("</style>\n</head>\n<body>\n<main>\n<h1>coldtier fleet report</h1>\n");
        b.append("<p class=\"caption\">").append(esc(r.vms().size() + " VMs on " + r.hosts().size() + " host(s); "
                + r.records().scans() + " scans, " + r.records().faults() + " faults, " + r.records().evictions()
                + " evict commands read; generated " + r.generatedAt())).append("</p>\n");
        card(b, "Cold memory by idle age", "Share of each VM's pages not seen accessed for at least each age (the "
                + "cold-age histogram of Google's far-memory paper, which uses 1 to 30 min; the short ages let a "
                + "few-minute run show something). Solid: as scanned; pale extension: not counting pages present only "
                + "by a refault's prefetch; the truth lies between. A dash: the VM was watched for less than that "
                + "age.", coldAges(r));
        card(b, "Hosts", "Per host: its VMs summed; cold shares (as scanned) are weighted by pages. Tables show the "
                + "idle ages some VM was watched long enough for; fleet.json and the CSV files have all of them.",
                hostTable(r));
        card(b, "VMs", "Per VM at its last scan, ordered by reclaimable memory (pages idle at least "
                + Text.num(r.reclaimAgeSeconds(), 0) + " s). Ranges: as scanned – excluding prefetch; the truth "
                + "lies between.", vmTable(r));
        card(b, "Working set over time", "Pages each VM accessed per detection cycle, in MiB: "
                + "solid as scanned, dashed not counting pages present only by a refault's prefetch.",
                line(r, "chart-working-set", "Working set per cycle", "MiB", (v, p) -> p.accessed() * pageBytes(v) / MIB,
                        (v, p) -> p.accessedExcludingPrefetch() * pageBytes(v) / MIB));
        card(b, "Cold share over time", "Share of pages idle at least " + Text.num(r.agesSeconds()[0], 0)
                + " s at each scan (from the moment the VM had been watched that long): solid as scanned, dashed not "
                + "counting pages present only by a refault's prefetch.",
                line(r, "chart-cold-over-time", "Cold at " + Text.num(r.agesSeconds()[0], 0) + " s", "% of pages",
                        (v, p) -> p.coldAtFirstAge() * 100, (v, p) -> p.coldAtFirstAgeExcludingPrefetch() * 100));
        card(b, "Memory saved", "Pages evicted to the tier and still out (not refaulted), in MiB.",
                line(r, "chart-saved", "Evicted and still out", "MiB", (v, p) -> p.evicted() * pageBytes(v) / MIB));
        card(b, "Refaults", "Evicted pages touched again and brought back, per cycle.",
                line(r, "chart-refaults", "Refaults per cycle", "refaults", (v, p) -> p.refaults()));
        card(b, "Top VMs by reclaimable memory", "MiB idle at least " + Text.num(r.reclaimAgeSeconds(), 0)
                + " s at the last scan, next to what is already saved.", reclaimable(r));
        b.append("<section class=\"card\">\n<h2>Notes</h2>\n<ul class=\"notes\">\n");
        r.notes().forEach(n -> b.append("<li>").append(esc(n)).append("</li>\n"));
        b.append("</ul>\n</section>\n</main>\n</body>\n</html>\n");
        return b.toString();
    }

    private static String coldAges(FleetReport r) {
        List<String> categories = new ArrayList<>();
        for (double a : r.agesSeconds()) {
            categories.add(age(a));
        }
        List<BarChart.Series> series = new ArrayList<>();
        for (int i = 0; i < r.vms().size(); i++) {
            VmStats v = r.vms().get(i);
            series.add(new BarChart.Series(v.vmId(), Palette.color(i), percents(v.cold()),
                    percents(v.coldExcludingPrefetch())));
        }
        return BarChart.render("chart-cold-ages", "Cold memory by idle age", "% of pages idle at least",
                categories, series, v -> Text.num(v, 0) + " %", 10);
    }

    private static String reclaimable(FleetReport r) {
        List<VmStats> top = r.vms().stream().limit(10).toList();
        List<String> categories = top.stream().map(VmStats::vmId).toList();
        Double[] reclaim = top.stream().map(v -> v.reclaimableBytes() / MIB).toArray(Double[]::new);
        Double[] saved = top.stream().map(v -> v.savedBytes() / MIB).toArray(Double[]::new);
        return BarChart.render("chart-reclaimable", "Top VMs by reclaimable memory", "MiB", categories,
                List.of(new BarChart.Series("reclaimable (idle ≥ " + Text.num(r.reclaimAgeSeconds(), 0) + " s)",
                        Palette.color(0), reclaim), new BarChart.Series("saved (evicted, still out)",
                        Palette.color(2), saved)), v -> Text.compact(v), 1);
    }

    private static String line(FleetReport r, String id, String title, String yTitle,
                               ToDoubleBiFunction<VmStats, Point> y) {
        return line(r, id, title, yTitle, y, null);
    }

    /** One solid series per VM, and with {@code dashed} a dashed one of the same colour (the other bound). */
    private static String line(FleetReport r, String id, String title, String yTitle,
                               ToDoubleBiFunction<VmStats, Point> y, ToDoubleBiFunction<VmStats, Point> dashed) {
        List<LineChart.Series> series = new ArrayList<>();
        for (int i = 0; i < r.vms().size(); i++) {
            VmStats v = r.vms().get(i);
            double[] t = v.series().stream().mapToDouble(Point::t).toArray();
            series.add(new LineChart.Series(v.vmId(), Palette.color(i), t,
                    v.series().stream().mapToDouble(p -> y.applyAsDouble(v, p)).toArray(), false));
        }
        LineChart.Spec spec = new LineChart.Spec(id, title, "seconds since the fleet's first scan", yTitle,
                Text::compact);
        if (dashed != null) {
            List<LineChart.Series> other = new ArrayList<>();
            for (int i = 0; i < r.vms().size(); i++) {
                VmStats v = r.vms().get(i);
                other.add(new LineChart.Series(v.vmId() + " excl. prefetch", Palette.color(i),
                        v.series().stream().mapToDouble(Point::t).toArray(),
                        v.series().stream().mapToDouble(p -> dashed.applyAsDouble(v, p)).toArray(), true));
            }
            return PairedLineChart.render(spec, series, other, "dashed: excluding prefetch");
        }
        return LineChart.render(spec, series);
    }

    private static String hostTable(FleetReport r) {
        StringBuilder b = new StringBuilder("<table class=\"hosts\">\n<tr><th>host</th><th>VMs</th><th>memory</th>");
        ageHeaders(b, r);
        b.append("<th>working set</th><th>refaults/s</th><th>saved</th><th>reclaimable</th></tr>\n");
        for (HostStats h : r.hosts()) {
            b.append("<tr><td>").append(esc(h.host())).append("</td><td>").append(h.vms()).append("</td><td>")
                    .append(Text.bytes(h.bytes())).append("</td>");
            for (int i : observable(r)) {
                b.append("<td>").append(pct(h.cold().get(i))).append("</td>");
            }
            b.append("<td>").append(Text.bytes(h.workingSetPages() * (h.pages() == 0 ? 4096 : h.bytes() / h.pages()))).append("</td><td>")
                    .append(Text.num(h.refaultsPerSecond(), 1)).append("</td><td>").append(Text.bytes(h.savedBytes()))
                    .append("</td><td>").append(Text.bytes(h.reclaimableBytes())).append("</td></tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    private static String vmTable(FleetReport r) {
        StringBuilder b = new StringBuilder("<table class=\"vms\">\n<tr><th>VM</th><th class=\"l\">host</th>"
                + "<th>memory</th><th>watched</th>");
        ageHeaders(b, r);
        b.append("<th>WSS/cycle (median)</th><th>WSS ").append(Text.num(r.windowSeconds(), 0))
                .append(" s</th><th>refaults/s</th><th>saved</th><th>reclaimable</th></tr>\n");
        for (VmStats v : r.vms()) {
            b.append("<tr><td>").append(esc(v.vmId())).append("</td><td class=\"l\">").append(esc(v.host()))
                    .append("</td><td>").append(Text.bytes(v.bytes())).append("</td><td>")
                    .append(Text.num(v.observedSeconds(), 0)).append(" s</td>");
            for (int i : observable(r)) {
                b.append("<td>").append(range(v.cold().get(i), v.coldExcludingPrefetch().get(i))).append("</td>");
            }
            b.append("<td>").append(Text.bytes(Math.round(v.workingSetPerCycleExcludingPrefetch() * pageBytes(v))))
                    .append(" – ").append(Text.bytes(Math.round(v.workingSetPerCycle() * pageBytes(v))))
                    .append("</td><td>")
                    .append(Text.bytes(v.workingSetPages() * pageBytes(v))).append("</td><td>")
                    .append(Text.num(v.refaultsPerSecond(), 1)).append("</td><td>").append(Text.bytes(v.savedBytes()))
                    .append("</td><td>").append(Text.bytes(v.reclaimableBytes())).append("</td></tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    private static long pageBytes(VmStats v) {
        return v.pages() == 0 ? 4096 : v.bytes() / v.pages();
    }

    private static void ageHeaders(StringBuilder b, FleetReport r) {
        for (int i : observable(r)) {
            b.append("<th>cold ").append(esc(age(r.agesSeconds()[i]))).append("</th>");
        }
    }

    /** The idle ages some VM was watched long enough for (at least the first), as indexes: the tables' columns. */
    private static int[] observable(FleetReport r) {
        int[] out = java.util.stream.IntStream.range(0, r.agesSeconds().length).filter(i -> r.vms().stream()
                .anyMatch(v -> v.cold().get(i).fraction() != null)).toArray();
        return out.length == 0 ? new int[] {0} : out;
    }

    private static Double[] percents(List<ColdAge> cold) {
        return cold.stream().map(c -> c.fraction() == null ? null : c.fraction() * 100).toArray(Double[]::new);
    }

    /** "12.0 – 84.4 %": as scanned – excluding prefetch; one value where they agree. */
    private static String range(ColdAge scanned, ColdAge touched) {
        if (scanned.fraction() == null || touched.fraction() == null
                || Text.percent(scanned.fraction()).equals(Text.percent(touched.fraction()))) {
            return pct(scanned);
        }
        return Text.num(scanned.fraction() * 100, 1) + " – " + Text.percent(touched.fraction());
    }

    private static String pct(ColdAge c) {
        return c.fraction() == null ? Text.NONE : Text.percent(c.fraction());
    }

    /** 10 → "10 s", 60 → "1 min", 1800 → "30 min". */
    public static String age(double seconds) {
        return seconds >= 60 && seconds % 60 == 0 ? Text.num(seconds / 60, 0) + " min" : Text.num(seconds, 0) + " s";
    }

    private static void card(StringBuilder b, String heading, String caption, String body) {
        b.append("<section class=\"card\">\n<h2>").append(esc(heading)).append("</h2>\n<p class=\"caption\">")
                .append(esc(caption)).append("</p>\n").append(body).append("</section>\n");
    }
}
