package io.coldtier.report.internal;

import io.coldtier.report.RunRecording;
import io.coldtier.report.RunRecording.Baseline;
import io.coldtier.report.RunRecording.CycleSample;
import io.coldtier.report.RunRecording.LatencyHistogram;
import io.coldtier.report.RunRecording.Outcome;
import io.coldtier.report.RunRecording.RunInfo;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * {@code summary.json}: one flat object, snake_case, field by field (documented in report/README.md). Built as a
 * tree rather than by serialising the records so the names and the order are the contract, not the Java names,
 * and so non-finite numbers become {@code null} (JSON has no NaN).
 */
public final class Summary {
    /** Bumped when a field changes meaning or disappears; adding fields keeps it. */
    public static final int VERSION = 1;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Summary() {}

    public static String json(RunRecording r) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree(r)) + "\n";
    }

    public static ObjectNode tree(RunRecording r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("summary_version", VERSION);
        outcome(o, r.outcome(), r.baseline());
        o.put("cycles", r.cycles().size());
        o.put("policy_decisions", r.decisions().size());
        o.put("policy_decision_pages", r.decisions().stream().mapToLong(RunRecording.PolicyDecision::pages).sum());
        latency(o, r.refaultLatency());
        peaks(o, r.cycles());
        info(o, r.info());
        return o;
    }

    private static void outcome(ObjectNode o, Outcome out, Baseline base) {
        boolean has = out != null;
        o.put("lost_writes", has ? out.lostWrites() : 0);
        o.put("verify_failures", has ? out.verifyFailures() : 0);
        number(o, "evicted_fraction", has ? out.evictedFraction() : Double.NaN);
        number(o, "guest_ops_per_s", has ? out.guestOpsPerSecond() : Double.NaN);
        number(o, "baseline_ops_per_s", base != null ? base.opsPerSecond() : Double.NaN);
        number(o, "baseline_measured_s", base != null ? base.measuredSeconds() : Double.NaN);
        number(o, "throughput_ratio", has ? out.throughputRatio() : Double.NaN);
        o.put("refaults", has ? out.refaults() : 0);
        o.put("evictions", has ? out.evictions() : 0);
        o.put("clean_stop", has && out.cleanStop());
        ArrayNode notes = o.putArray("notes");
        (has ? out.notes() : List.<String>of()).forEach(notes::add);
    }

    private static void latency(ObjectNode o, LatencyHistogram h) {
        o.put("refault_latency_samples", h != null ? h.total() : 0);
        number(o, "refault_p50_us", h != null ? h.p50Micros() : Double.NaN);
        number(o, "refault_p99_us", h != null ? h.p99Micros() : Double.NaN);
    }

    /** Peaks over the cycles, in pages: what the charts show at their highest point. */
    private static void peaks(ObjectNode o, List<CycleSample> cycles) {
        o.put("peak_working_set_pages", cycles.stream().mapToLong(CycleSample::workingSetPages).max().orElse(0));
        o.put("peak_evicted_pages", cycles.stream().mapToLong(CycleSample::evictedPages).max().orElse(0));
        o.put("min_resident_pages", cycles.stream().mapToLong(CycleSample::residentPages).min().orElse(0));
    }

    private static void info(ObjectNode o, RunInfo i) {
        if (i == null) {
            i = new RunInfo(null, null, 0, null, null, Double.NaN, Double.NaN, null, List.of(), null, null, null);
        }
        o.put("vm", i.vmId());
        o.put("guest", i.guestKind());
        o.put("guest_bytes", i.guestBytes());
        o.put("pattern", i.pattern());
        o.put("policy", i.policy());
        number(o, "cycle_s", i.cycleSeconds());
        number(o, "duration_s", i.durationSeconds());
        o.put("backend", i.backend());
        ArrayNode features = o.putArray("kernel_features");
        i.kernelFeatures().forEach(features::add);
        o.put("kernel", i.kernel());
        o.put("host", i.host());
        o.put("started_at", i.startedAt());
    }

    private static void number(ObjectNode o, String name, double v) {
        if (Double.isFinite(v)) {
            o.put(name, v);
        } else {
            o.putNull(name);
        }
    }
}
