package io.coldtier.report.internal;

import io.coldtier.report.RunRecording.Baseline;
import io.coldtier.report.RunRecording.Outcome;
import io.coldtier.report.RunRecording.PolicyDecision;
import io.coldtier.report.RunRecording.RunInfo;

import java.util.List;

import static io.coldtier.report.internal.Text.esc;

/** The report's non-chart sections: the headline box, the run-info table and the policy-decision table. */
final class Sections {
    /** The decision table shows this many rows from each end; a run can emit thousands of commands. */
    static final int DECISIONS_HEAD = 50;
    static final int DECISIONS_TAIL = 50;

    private Sections() {}

    static String headline(Outcome o, Baseline base, RunInfo info) {
        StringBuilder b = new StringBuilder("<section class=\"headline\" id=\"headline\">\n<div class=\"tiles\">\n");
        if (o == null) {
            tile(b, "outcome", "bad", "missing", "the run recorded no outcome", "outcome");
            return b.append("</div>\n</section>\n").toString();
        }
        tile(b, "lost writes", o.lostWrites() == 0 ? "good" : "bad", Text.count(o.lostWrites()),
                Text.count(o.verifyFailures()) + " pages failed final verification", "lost-writes");
        String guest = info == null ? "guest memory" : Text.bytes(info.guestBytes()) + " guest memory";
        tile(b, "evicted (peak)", "neutral", Text.percent(o.evictedFraction()), "of " + guest, "evicted-fraction");
        String baseOps = base == null ? Text.NONE : Text.compact(base.opsPerSecond());
        tile(b, "throughput ratio", "neutral",
                Double.isFinite(o.throughputRatio()) ? Text.num(o.throughputRatio(), 2) + " ×" : Text.NONE,
                Text.compact(o.guestOpsPerSecond()) + " ops/s vs " + baseOps + " untracked", "throughput-ratio");
        tile(b, "refaults", "neutral", Text.count(o.refaults()), "pages faulted back in", "refaults");
        tile(b, "evictions", "neutral", Text.count(o.evictions()), "pages written to the tier", "evictions");
        tile(b, "clean stop", o.cleanStop() ? "good" : "bad", o.cleanStop() ? "yes" : "no",
                o.cleanStop() ? "every service stopped in order" : "a service did not stop cleanly", "clean-stop");
        b.append("</div>\n");
        if (!o.notes().isEmpty()) {
            b.append("<ul class=\"notes\" id=\"notes\">\n");
            o.notes().forEach(n -> b.append("<li>").append(esc(n)).append("</li>\n"));
            b.append("</ul>\n");
        }
        return b.append("</section>\n").toString();
    }

    private static void tile(StringBuilder b, String label, String state, String value, String detail, String id) {
        b.append("<div class=\"tile ").append(state).append("\" id=\"tile-").append(id).append("\"><div class=\"label\">")
                .append(esc(label)).append("</div><div class=\"value\">").append(esc(value))
                .append("</div><div class=\"detail\">").append(esc(detail)).append("</div></div>\n");
    }

    static String runInfo(RunInfo i, Baseline base) {
        StringBuilder b = new StringBuilder("<section class=\"card\">\n<h2>Run</h2>\n<table class=\"info\" id=\"run-info\">\n");
        if (i == null) {
            return b.append("<tr><td>no run info recorded</td></tr>\n</table>\n</section>\n").toString();
        }
        row(b, "VM", i.vmId());
        row(b, "guest", i.guestKind() + ", " + Text.bytes(i.guestBytes()));
        row(b, "pattern", i.pattern());
        row(b, "policy", i.policy());
        row(b, "cycle", Text.num(i.cycleSeconds(), 2) + " s");
        row(b, "duration", Text.num(i.durationSeconds(), 1) + " s");
        row(b, "baseline", base == null ? Text.NONE
                : Text.compact(base.opsPerSecond()) + " ops/s untracked, measured over "
                        + Text.num(base.measuredSeconds(), 1) + " s");
        row(b, "tracking backend", i.backend());
        b.append("<tr><th>kernel features</th><td>");
        if (i.kernelFeatures().isEmpty()) {
            b.append(Text.NONE);
        }
        i.kernelFeatures().forEach(f -> b.append("<code class=\"feature\">").append(esc(f)).append("</code> "));
        b.append("</td></tr>\n");
        row(b, "kernel", i.kernel());
        row(b, "host", i.host());
        row(b, "started at", i.startedAt());
        return b.append("</table>\n</section>\n").toString();
    }

    private static void row(StringBuilder b, String name, String value) {
        b.append("<tr><th>").append(esc(name)).append("</th><td>")
                .append(value == null || value.isEmpty() ? Text.NONE : esc(value)).append("</td></tr>\n");
    }

    static String decisions(List<PolicyDecision> ds) {
        int n = ds.size();
        boolean capped = n > DECISIONS_HEAD + DECISIONS_TAIL;
        int shown = capped ? DECISIONS_HEAD + DECISIONS_TAIL : n;
        long pages = ds.stream().mapToLong(PolicyDecision::pages).sum();
        StringBuilder b = new StringBuilder("<section class=\"card\">\n<h2>Policy decisions</h2>\n<p class=\"caption\">")
                .append(esc(Text.count(n) + " eviction commands, " + Text.count(pages) + " pages ("
                        + Text.bytes(pages * 4096) + ") in total."))
                .append("</p>\n<table class=\"decisions\" id=\"table-decisions\" data-rows=\"").append(n)
                .append("\" data-shown=\"").append(shown).append("\">\n")
                .append("<thead><tr><th>cycle</th><th>t (s)</th><th>policy</th><th>pages</th><th>MiB</th>"
                        + "<th>evidence</th></tr></thead>\n<tbody>\n");
        if (n == 0) {
            b.append("<tr><td colspan=\"6\" class=\"omitted\">the policy made no decisions</td></tr>\n");
        }
        for (int k = 0; k < n; k++) {
            if (capped && k == DECISIONS_HEAD) {
                b.append("<tr class=\"omitted\"><td colspan=\"6\">… ").append(n - shown)
                        .append(" decisions omitted …</td></tr>\n");
                k = n - DECISIONS_TAIL;
            }
            PolicyDecision d = ds.get(k);
            b.append("<tr><td>").append(d.cycle()).append("</td><td>").append(Text.num(d.tSeconds(), 1))
                    .append("</td><td>").append(esc(d.policy())).append("</td><td>").append(Text.count(d.pages()))
                    .append("</td><td>").append(Text.num(d.pages() / 256.0, 1)).append("</td><td class=\"evidence\">")
                    .append(esc(d.evidence())).append("</td></tr>\n");
        }
        return b.append("</tbody>\n</table>\n</section>\n").toString();
    }
}
