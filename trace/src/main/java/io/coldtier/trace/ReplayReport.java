package io.coldtier.trace;

import io.coldtier.report.internal.LineChart;
import io.coldtier.report.internal.Text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The replay's outputs: a side-by-side table (stdout), a JSON document and an offline HTML page with charts. */
public final class ReplayReport {
    private static final String[] COLORS = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d"};
    /** Chart points per series; longer series are thinned evenly (the figures use every sample). */
    private static final int MAX_POINTS = 1500;

    private ReplayReport() {
    }

    public static String table(List<SimResult> results) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-40s %9s %9s %10s %12s %11s %11s %9s %14s%n", "policy", "saved mean",
                "saved p5", "refaults", "refaults/min", "worst min", "SLO viol.", "commands", "page-states/s"));
        for (SimResult r : results) {
            b.append(String.format(Locale.ROOT, "%-40s %9.2f%% %8.2f%% %10d %11.3f%% %10.3f%% %11d %9d %14s%n",
                    r.policy(), r.savedMeanPercent(), r.savedP5Percent(), r.refaults(), r.refaultRateMean(),
                    r.refaultRateMax(), r.sloViolations(), r.commands(), Text.compact(r.pageStatesPerSecond())));
        }
        if (!results.isEmpty()) {
            SimResult r = results.getFirst();
            b.append(String.format(Locale.ROOT, "%d scans, %d faults, %d rejected records; refault SLO %s%%/min of the working set%n",
                    r.scans(), r.faults(), r.rejected(), num(r.sloPercentPerMinute())));
        }
        return b.toString();
    }

    public static String json(List<SimResult> results) {
        StringBuilder b = new StringBuilder("{\n  \"version\": 1,\n  \"policies\": [");
        for (int i = 0; i < results.size(); i++) {
            SimResult r = results.get(i);
            b.append(i == 0 ? "\n" : ",\n").append("    {");
            field(b, "policy", quote(r.policy()), true);
            field(b, "sloPercentPerMinute", num(r.sloPercentPerMinute()), false);
            field(b, "scans", Long.toString(r.scans()), false);
            field(b, "faults", Long.toString(r.faults()), false);
            field(b, "rejected", Long.toString(r.rejected()), false);
            field(b, "pageStates", Long.toString(r.pageStates()), false);
            field(b, "commands", Long.toString(r.commands()), false);
            field(b, "pagesCommanded", Long.toString(r.pagesCommanded()), false);
            field(b, "refaults", Long.toString(r.refaults()), false);
            field(b, "memorySavedMeanPercent", num(r.savedMeanPercent()), false);
            field(b, "memorySavedP5Percent", num(r.savedP5Percent()), false);
            field(b, "refaultsPerMinutePercentOfWorkingSetMean", num(r.refaultRateMean()), false);
            field(b, "refaultsPerMinutePercentOfWorkingSetMax", num(r.refaultRateMax()), false);
            field(b, "refaultsPerMinutePercentOfWorkingSet", array(r.refaultRatePerMinute()), false);
            field(b, "sloViolations", Long.toString(r.sloViolations()), false);
            field(b, "sloViolationCycles", strings(r.violationCycles()), false);
            field(b, "pageStatesPerSecond", num(r.pageStatesPerSecond()), false);
            b.append('}');
        }
        return b.append("\n  ]\n}\n").toString();
    }

    public static String html(String title, List<SimResult> results) {
        List<LineChart.Series> saved = new ArrayList<>();
        List<LineChart.Series> rates = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            SimResult r = results.get(i);
            String color = COLORS[i % COLORS.length];
            saved.add(thin(new LineChart.Series(r.policy(), color, r.savedAtSeconds(), r.savedPercent(), false)));
            rates.add(thin(new LineChart.Series(r.policy(), color, r.minutes(), r.refaultRatePerMinute(), false)));
        }
        if (!results.isEmpty()) {
            double[] m = results.getFirst().minutes();
            double[] slo = new double[m.length];
            java.util.Arrays.fill(slo, results.getFirst().sloPercentPerMinute());
            rates.add(new LineChart.Series("SLO", "#888888", m, slo, true));
        }
        StringBuilder b = new StringBuilder("""
                <!DOCTYPE html>
                <html lang="en"><head><meta charset="utf-8"/><title>%s</title>
                <style>
                body { font-family: "DejaVu Sans", Arial, sans-serif; background: #f4f5f7; color: #222; }
                main { max-width: 1160px; margin: 0 auto; padding: 16px; }
                .card { background: #fff; border: 1px solid #dcdfe4; border-radius: 6px; padding: 12px 16px; margin: 0 0 16px; }
                table { border-collapse: collapse; width: 100%%; font-size: 14px; }
                th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid #e6e8eb; }
                th:first-child, td:first-child { text-align: left; } td { white-space: nowrap; } td:first-child { white-space: normal; }
                svg.chart { width: 100%%; height: auto; display: block; }
                svg.chart text { font-family: "DejaVu Sans", Arial, sans-serif; fill: #333; }
                svg.chart .tick { font-size: 13px; } svg.chart .axis-title { font-size: 14px; } svg.chart .legend { font-size: 13.5px; }
                </style></head><body><main>
                <h1>%s</h1>
                """.formatted(Text.esc(title), Text.esc(title)));
        b.append("<div class=\"card\"><table><tr><th>policy</th><th>memory saved, mean</th><th>p5</th><th>refaults</th>"
                + "<th>refaults/min, % of working set (mean)</th><th>worst minute</th><th>SLO violations</th><th>commands</th></tr>\n");
        for (SimResult r : results) {
            b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%.2f %%</td><td>%.2f %%</td><td>%d</td><td>%.3f %%</td>"
                            + "<td>%.3f %%</td><td>%d</td><td>%d</td></tr>%n", Text.esc(r.policy()), r.savedMeanPercent(),
                    r.savedP5Percent(), r.refaults(), r.refaultRateMean(), r.refaultRateMax(), r.sloViolations(), r.commands()));
        }
        b.append("</table></div>\n<div class=\"card\">")
                .append(LineChart.render(new LineChart.Spec("saved", "Memory saved over time", "seconds since trace start",
                        "% of guest memory", v -> Text.num(v, 0) + " %"), saved))
                .append("</div>\n<div class=\"card\">")
                .append(LineChart.render(new LineChart.Spec("refaults", "Refaults per minute, % of working set",
                        "minute", "%/min", v -> Text.num(v, 2) + " %"), rates))
                .append("</div>\n<div class=\"card\"><h2>SLO violation cycles (first ")
                .append(Simulator.MAX_VIOLATIONS_KEPT).append(" per policy)</h2>\n");
        for (SimResult r : results) {
            b.append("<p><b>").append(Text.esc(r.policy())).append("</b>: ").append(r.sloViolations()).append(' ')
                    .append(Text.esc(String.join(" ", r.violationCycles().subList(0, Math.min(50, r.violationCycles().size())))))
                    .append(r.violationCycles().size() > 50 ? " …" : "").append("</p>\n");
        }
        return b.append("</div></main></body></html>\n").toString();
    }

    private static LineChart.Series thin(LineChart.Series s) {
        int n = s.x().length;
        if (n <= MAX_POINTS) {
            return s;
        }
        double[] x = new double[MAX_POINTS];
        double[] y = new double[MAX_POINTS];
        for (int i = 0; i < MAX_POINTS; i++) {
            int j = (int) ((long) i * (n - 1) / (MAX_POINTS - 1));
            x[i] = s.x()[j];
            y[i] = s.y()[j];
        }
        return new LineChart.Series(s.name(), s.color(), x, y, s.dashed());
    }

    private static void field(StringBuilder b, String name, String value, boolean first) {
        b.append(first ? "" : ", ").append('"').append(name).append("\": ").append(value);
    }

    private static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    private static String array(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            b.append(i == 0 ? "" : ", ").append(num(v[i]));
        }
        return b.append(']').toString();
    }

    private static String strings(List<String> v) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < v.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(quote(v.get(i)));
        }
        return b.append(']').toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
