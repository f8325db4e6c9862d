package io.coldtier.bench.peers;

import io.coldtier.fleet.internal.BarChart;
import io.coldtier.fleet.internal.Palette;
import io.coldtier.report.internal.Text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The report of `coldtier bench peers`: Markdown (the figures, the targets, the C floor, the working set), JSON and
 * an HTML page with the charts. The first row is the no-tiering baseline, the coldtier row comes next, then the
 * kernel rows, the first of them at coldtier's resident size.
 */
final class PeersReport {
    /** The targets (ratios coldtier / peer). */
    static final double THROUGHPUT_TARGET = 1.5;
    static final double REFAULT_TARGET = 3.0;
    static final double FLOOR_TARGET = 2.0;

    /** Everything one run measured. Nullable: extra (no coldtier row), damon (then damonMissing says why). */
    record Input(List<PeerRow> rows, long guestBytes, String machine, String setup, ColdtierPeer.Extra extra,
                 List<EngineFloor.FloorRow> floor, DamonProbe.Estimate damon, String damonMissing,
                 List<String> notes, double wallSeconds) {
        PeerRow base() {
            return rows.getFirst();
        }

        Optional<PeerRow> coldtier() {
            return rows.stream().filter(r -> r.config().equals("coldtier")).findFirst();
        }

        /** The kernel row at coldtier's resident size: the first kernel row. */
        Optional<PeerRow> kernelAtEqual() {
            return rows.stream().filter(r -> r.config().equals("kernel-zram")).findFirst();
        }
    }

    /** One target: what coldtier reached against the peer, and the bound. */
    record Target(String name, String coldtier, String peer, double ratio, double bound, String unit) {
        boolean met() {
            return Double.isFinite(ratio) && ratio <= bound;
        }
    }

    private PeersReport() {}

    static List<Target> targets(Input in) {
        List<Target> t = new ArrayList<>();
        Optional<PeerRow> c = in.coldtier();
        Optional<PeerRow> k = in.kernelAtEqual();
        if (c.isPresent() && k.isPresent()) {
            double base = in.base().opsPerSec();
            double cs = base / c.get().opsPerSec();
            double ks = base / k.get().opsPerSec();
            t.add(new Target("guest slowdown at equal resident memory (none ops/s ÷ ops/s)",
                    String.format(Locale.ROOT, "%.2f×", cs), String.format(Locale.ROOT, "%.2f×", ks), cs / ks,
                    THROUGHPUT_TARGET, "×"));
            PeerRow.Probe cp = c.get().probe();
            PeerRow.Probe kp = k.get().probe();
            t.add(new Target("refault p50 vs zram swap-in p50 (probe: a page that is out, read once)",
                    us(cp.pages(), cp.p50Ns()), us(kp.pages(), kp.p50Ns()),
                    cp.pages() == 0 || kp.pages() == 0 ? Double.NaN : (double) cp.p50Ns() / kp.p50Ns(), REFAULT_TARGET,
                    "×"));
        }
        for (EngineFloor.FloorRow f : in.floor()) {
            t.add(new Target("engine " + f.operation() + " vs C floor", num(f.java()) + " " + f.unit(),
                    num(f.c()) + " " + f.unit(), f.ratio(), FLOOR_TARGET, "×"));
        }
        return t;
    }

    static String markdown(Input in) {
        PeerRow base = in.base();
        StringBuilder md = new StringBuilder("## coldtier bench peers\n\n").append(in.machine())
                .append(String.format(Locale.ROOT, " Whole run: %.0f s.%n%n", in.wallSeconds()))
                .append(in.setup()).append("\n\n");
        md.append("| configuration | limit | resident | resident saved | ops/s | ops/s vs none | warm-up "
                + "| refault / swap-in probe p50 | p99 | slow accesses | their p50 | p99 | stalled in them "
                + "| guest on CPU | tier reads | machinery CPU | guest sys CPU | written to tier "
                + "| tier holds at the end |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (PeerRow r : in.rows()) {
            md.append(String.format(Locale.ROOT,
                    "| %s | %s | %s | %.1f %% | %s | %.3f | %.0f s at %.2f | %s | %s | %d | %s | %s | %.0f ms | %.0f %% "
                            + "| %d | %s | %.0f ms | %s | %s |%n",
                    r.config(), limit(r, in.guestBytes()), mib(r.residentBytes()),
                    saved(base.residentBytes(), r.residentBytes()), si(r.opsPerSec()), r.opsPerSec() / base.opsPerSec(),
                    r.warmupSeconds(), r.warmupOpsPerSec() / base.warmupOpsPerSec(),
                    r.probe().pages() == 0 ? "—" : us(r.probe().pages(), r.probe().p50Ns()) + " (" + r.probe().pages()
                            + ")", us(r.probe().pages(), r.probe().p99Ns()), r.slowAccesses(), us(r.slowAccesses(), r.slowP50Ns()), us(r.slowAccesses(), r.slowP99Ns()),
                    r.stalledMs(), 100 * r.guestOnCpu(), r.tierReads(), r.config().equals("none") ? "—" : String.format(Locale.ROOT, "%.0f ms",
                            r.machineryCpuMs()), r.guestSysCpuMs(), r.config().equals("none") ? "—"
                            : mib(r.bytesWrittenToTier()), r.tierDetail()));
        }
        if (in.extra() != null) {
            ColdtierPeer.Extra e = in.extra();
            md.append(String.format(Locale.ROOT, "%ncoldtier's own view of its row: backend %s; %d refaults resolved "
                    + "by the fault loop, handler p50/p99 %.1f/%.1f µs (message read to wake, from the hand-over on); %d pages "
                    + "evicted, %d prefetched; %d zap requests served by the guest.%n", e.backend(), e.refaults(),
                    e.handlerP50Us(), e.handlerP99Us(), e.evictedPages(), e.prefetched(), e.zaps()));
        }
        List<Target> targets = targets(in);
        if (!targets.isEmpty()) {
            md.append("\n### Against the targets\n\n| target | coldtier | peer | ratio | bound | verdict |\n"
                    + "|---|---:|---:|---:|---:|---|\n");
            for (Target t : targets) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.2f× | ≤ %.1f× | %s |%n", t.name(), t.coldtier(),
                        t.peer(), t.ratio(), t.bound(), t.met() ? "met" : "**missed**"));
            }
            in.coldtier().ifPresent(c -> in.kernelAtEqual().ifPresent(k -> md.append(String.format(Locale.ROOT,
                    "%nResident memory of the two rows compared: coldtier %s, kernel-zram %s (limit %s).%n",
                    mib(c.residentBytes()), mib(k.residentBytes()), mib(k.limitBytes())))));
        }
        if (!in.floor().isEmpty()) {
            md.append("\n### Engine per-operation costs against the C floor (same run)\n\n"
                    + "| operation | coldtier engine | C floor | ratio | how |\n|---|---:|---:|---:|---|\n");
            for (EngineFloor.FloorRow f : in.floor()) {
                md.append(String.format(Locale.ROOT, "| %s | %s %s | %s %s | %.2f× | %s |%n", f.operation(),
                        num(f.java()), f.unit(), num(f.c()), f.unit(), f.ratio(), f.how()));
            }
        }
        md.append("\n### Working set\n\n| estimate | row | window | pages | ground truth (distinct pages the guest "
                + "touched in the window, mean) | estimate ÷ truth |\n|---|---|---:|---:|---:|---:|\n");
        if (in.damon() != null && in.damon().workingSetBytes() >= 0) {
            long w = in.damon().aggregationMillis();
            long truth = w == 1000 ? base.truthWsPages() : w == 5000 ? base.truthWs5Pages() : -1;
            double pages = in.damon().workingSetBytes() / (double) PeerRow.PAGE;
            md.append(String.format(Locale.ROOT, "| DAMON (median per aggregation) | none | %.1f s | %.0f | %s | %s |%n",
                    w / 1000.0, pages, truth < 0 ? "— (no truth for this window)" : Long.toString(truth),
                    truth < 0 ? "—" : ratio(pages, truth)));
        }
        in.coldtier().ifPresent(c -> md.append(String.format(Locale.ROOT,
                "| coldtier (pages its scan found accessed per cycle, mean) | coldtier | 1 s | %.0f | %d | %s |%n",
                c.estimatedWsPages(), c.truthWsPages(), ratio(c.estimatedWsPages(), c.truthWsPages()))));
        md.append(String.format(Locale.ROOT, "%nGround truth of the none row: %d pages per 1 s, %d per 5 s.%n",
                base.truthWsPages(), base.truthWs5Pages()));
        if (in.damon() != null) {
            md.append("DAMON: ").append(in.damon().method()).append(".\n");
        } else {
            md.append("DAMON could not be measured: ").append(in.damonMissing() == null ? "not attempted"
                    : in.damonMissing()).append("\n");
        }
        if (!in.notes().isEmpty()) {
            md.append('\n');
            in.notes().forEach(n -> md.append("- ").append(n).append('\n'));
        }
        return md.toString();
    }

    static String json(Input in) {
        PeerRow base = in.base();
        StringBuilder j = new StringBuilder("{\n  \"machine\": \"").append(escape(in.machine()))
                .append("\",\n  \"guestBytes\": ").append(in.guestBytes())
                .append(String.format(Locale.ROOT, ",%n  \"wallSeconds\": %.1f,%n  \"rows\": [%n", in.wallSeconds()));
        for (int i = 0; i < in.rows().size(); i++) {
            PeerRow r = in.rows().get(i);
            j.append(String.format(Locale.ROOT,
                    "    {\"config\": \"%s\", \"limitBytes\": %d, \"residentBytes\": %d, \"residentEndBytes\": %d, "
                            + "\"residentSavedPct\": %.2f, \"opsPerSec\": %.0f, \"opsRelative\": %.4f, "
                            + "\"slowAccesses\": %d, \"slowP50Us\": %.2f, \"slowP99Us\": %.2f, \"tierReads\": %d, "
                            + "\"machineryCpuMs\": %.0f, \"guestSysCpuMs\": %.0f, \"bytesWrittenToTier\": %d, "
                            + "\"tierDetail\": \"%s\", \"truthWsPages\": %d, \"truthWs5Pages\": %d, "
                            + "\"estimatedWsPages\": %s, "
                            + "\"stalledMs\": %.1f, \"guestOnCpu\": %.3f, \"probePages\": %d, \"probeP50Us\": %.2f, "
                            + "\"probeP99Us\": %.2f, \"warmupSeconds\": %.1f, \"warmupOpsPerSec\": %.0f}%s%n",
                    escape(r.config()), r.limitBytes(), r.residentBytes(), r.residentEndBytes(),
                    saved(base.residentBytes(), r.residentBytes()), r.opsPerSec(), r.opsPerSec() / base.opsPerSec(),
                    r.slowAccesses(), r.slowP50Ns() / 1000.0, r.slowP99Ns() / 1000.0, r.tierReads(),
                    r.machineryCpuMs(), r.guestSysCpuMs(), r.bytesWrittenToTier(), escape(r.tierDetail()),
                    r.truthWsPages(), r.truthWs5Pages(), finite(r.estimatedWsPages()), r.stalledMs(), r.guestOnCpu(), r.probe().pages(),
                    r.probe().p50Ns() / 1000.0, r.probe().p99Ns() / 1000.0, r.warmupSeconds(), r.warmupOpsPerSec(),
                    i + 1 < in.rows().size() ? "," : ""));
        }
        j.append("  ],\n  \"targets\": [\n");
        List<Target> ts = targets(in);
        for (int i = 0; i < ts.size(); i++) {
            Target t = ts.get(i);
            j.append(String.format(Locale.ROOT, "    {\"name\": \"%s\", \"coldtier\": \"%s\", \"peer\": \"%s\", "
                            + "\"ratio\": %s, \"bound\": %.1f, \"met\": %b}%s%n", escape(t.name()), escape(t.coldtier()),
                    escape(t.peer()), finite(t.ratio()), t.bound(), t.met(), i + 1 < ts.size() ? "," : ""));
        }
        j.append("  ],\n  \"floor\": [\n");
        for (int i = 0; i < in.floor().size(); i++) {
            EngineFloor.FloorRow f = in.floor().get(i);
            j.append(String.format(Locale.ROOT, "    {\"operation\": \"%s\", \"unit\": \"%s\", \"java\": %s, "
                            + "\"c\": %s, \"ratio\": %s}%s%n", escape(f.operation()), escape(f.unit()), finite(f.java()),
                    finite(f.c()), finite(f.ratio()), i + 1 < in.floor().size() ? "," : ""));
        }
        j.append("  ],\n  \"damon\": ");
        if (in.damon() != null) {
            j.append(String.format(Locale.ROOT, "{\"workingSetBytes\": %d, \"aggregationMillis\": %d, "
                            + "\"method\": \"%s\"}", in.damon().workingSetBytes(), in.damon().aggregationMillis(),
                    escape(in.damon().method())));
        } else {
            j.append("{\"unavailable\": \"").append(escape(String.valueOf(in.damonMissing()))).append("\"}");
        }
        return j.append("\n}\n").toString();
    }

    /** A self-contained page: the tables of the Markdown plus bar charts (inline SVG, no scripts). */
    static String html(Input in) {
        List<String> configs = in.rows().stream().map(r -> r.config().equals("kernel-zram")
                ? "kernel-zram " + limit(r, in.guestBytes()) : r.config()).toList();
        Double[] rel = in.rows().stream().map(r -> r.opsPerSec() / in.base().opsPerSec()).toArray(Double[]::new);
        Double[] saved = in.rows().stream().map(r -> saved(in.base().residentBytes(), r.residentBytes()))
                .toArray(Double[]::new);
        Double[] p50 = in.rows().stream().map(r -> r.probe().pages() == 0 ? null : r.probe().p50Ns() / 1000.0)
                .toArray(Double[]::new);
        Double[] p99 = in.rows().stream().map(r -> r.probe().pages() == 0 ? null : r.probe().p99Ns() / 1000.0)
                .toArray(Double[]::new);
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                + "<title>coldtier bench peers</title>\n<style>").append(Palette.CSS).append("</style>\n</head>\n"
                + "<body><main>\n<h1>coldtier bench peers</h1>\n<p class=\"caption\">").append(Text.esc(in.machine()))
                .append("</p>\n");
        card(b, "Guest throughput relative to no tiering", BarChart.render("throughput", "ops/s ÷ none", "ratio",
                configs, List.of(new BarChart.Series("ops/s vs none", "#0072B2", rel)),
                v -> String.format(Locale.ROOT, "%.2f", v), 1.0));
        card(b, "Resident guest memory saved", BarChart.render("saved", "resident memory saved", "%", configs,
                List.of(new BarChart.Series("saved", "#009E73", saved)), v -> String.format(Locale.ROOT, "%.0f %%", v),
                10));
        card(b, "Refault / swap-in latency as the guest saw it", BarChart.render("latency",
                "one read of a page that was out (probe)", "µs", configs, List.of(new BarChart.Series("p50", "#E69F00", p50),
                        new BarChart.Series("p99", "#D55E00", p99)), v -> String.format(Locale.ROOT, "%.0f", v), 1));
        if (!in.floor().isEmpty()) {
            List<String> ops = in.floor().stream().map(f -> shortLabel(f.operation())).toList();
            card(b, "Engine cost ÷ C floor per operation (target ≤ 2)", BarChart.render("floor", "engine ÷ C floor",
                    "ratio", ops, List.of(new BarChart.Series("ratio", "#CC79A7", in.floor().stream()
                            .map(EngineFloor.FloorRow::ratio).toArray(Double[]::new))),
                    v -> String.format(Locale.ROOT, "%.1f", v), 2));
        }
        b.append("<div class=\"card\"><h2>Figures</h2>\n<pre style=\"white-space: pre-wrap; font-size: 13px\">")
                .append(Text.esc(markdown(in))).append("</pre></div>\n</main></body>\n</html>\n");
        return b.toString();
    }

    /** "freeze, 256-page calls (…)" → "freeze 256-page", "arm, every page …" → "arm": fits under a bar. */
    static String shortLabel(String operation) {
        String op = operation.replaceAll(" \\(.*\\)", "");
        int comma = op.indexOf(',');
        if (comma < 0) {
            return op;
        }
        String rest = op.substring(comma + 1).strip();
        return op.substring(0, comma) + (!rest.isEmpty() && Character.isDigit(rest.charAt(0))
                ? " " + rest.split(" ")[0] : "");
    }

    private static void card(StringBuilder b, String title, String svg) {
        b.append("<div class=\"card\"><h2>").append(Text.esc(title)).append("</h2>\n").append(svg).append("</div>\n");
    }

    private static String limit(PeerRow r, long guestBytes) {
        return r.limitBytes() < 0 ? "—" : mib(r.limitBytes()) + String.format(Locale.ROOT, " (%.0f %%)",
                100.0 * r.limitBytes() / guestBytes);
    }

    static double saved(long baseline, long resident) {
        return baseline <= 0 ? 0 : 100.0 * (baseline - resident) / baseline;
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String si(double v) {
        return v >= 1e6 ? String.format(Locale.ROOT, "%.2f M", v / 1e6) : String.format(Locale.ROOT, "%.0f k", v / 1e3);
    }

    private static String num(double v) {
        return !Double.isFinite(v) ? "—" : v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(double estimate, double truth) {
        return truth <= 0 || !Double.isFinite(estimate) ? "—" : String.format(Locale.ROOT, "%.2f×", estimate / truth);
    }

    private static String finite(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
    }

    private static String us(long count, long ns) {
        return count == 0 ? "—" : String.format(Locale.ROOT, "%.1f µs", ns / 1000.0);
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
