package io.coldtier.demo;

import io.coldtier.linux.KernelCapabilities;
import io.coldtier.report.RunRecording;
import io.coldtier.report.RunRecording.CycleSample;
import io.coldtier.report.RunRecording.LatencyHistogram;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Builds the {@link RunRecording} from what a demo run left ({@link Demo.Run}): the samples, the VMM's progress and
 * report, the policy decisions. Also judges the run against the demo's targets and says in words what it reached
 * and why when it missed one.
 */
final class Recordings {
    /** KVM shadow-MMU fault per guest page touched after a zap (vmm/README.md, "Native or emulated, measured"). */
    private static final double SHADOW_FAULT_MICROS = 7;

    private Recordings() {}

    static RunRecording build(DemoConfig c, Demo.Run run, Instant startedAt) {
        List<CycleSample> cycles = run.sampler().samples();
        LatencyHistogram latency = run.sampler().latency();
        long refaults = cycles.stream().mapToLong(CycleSample::refaults).sum();
        long evictions = cycles.stream().mapToLong(CycleSample::evictions).sum();
        double evictedFraction = (double) run.sampler().peakEvicted() / run.sampler().pages();
        Rate tracked = trackedRate(run.progress(), run.vmmReport());
        double baseline = baseline(run);
        double ratio = baseline > 0 ? tracked.opsPerSecond() / baseline : Double.NaN;
        long dataErrors = field(run.vmmReport(), "data_errors", -1);
        long verifyFailures = field(run.vmmReport(), "verify_failures", -1);
        long progressErrors = run.progress().isEmpty() ? 0 : run.progress().getLast().errors();
        long lostWrites = Math.max(dataErrors, progressErrors) + Math.max(0, verifyFailures);
        boolean clean = run.vmmExit().orElse(-1) == 0 && run.vmmReport().map(r -> r.get("ok").booleanValue())
                .orElse(false) && verifyFailures >= 0;
        List<String> notes = notes(c, run, cycles, latency, tracked, evictedFraction, ratio, clean);
        RunRecording.Outcome outcome = new RunRecording.Outcome(lostWrites, verifyFailures, evictedFraction,
                tracked.opsPerSecond(), ratio, refaults, evictions, clean, notes);
        double windows = Double.isNaN(run.baselineAfterOps()) ? 1 : 2;
        return new RunRecording(info(c, run, startedAt), new RunRecording.Baseline(baseline,
                run.baselineSeconds() * windows), cycles, run.sampler().heatmap(), latency, run.decisions(), outcome);
    }

    /**
     * The untracked rate the tracked run is compared with: the mean of the window before the hand-over and the one
     * after the run (when the VMM measured it), so a change of the host's load during the run skews it less.
     */
    static double baseline(Demo.Run run) {
        return Double.isNaN(run.baselineAfterOps()) ? run.baselineOps()
                : (run.baselineOps() + run.baselineAfterOps()) / 2;
    }

    private static RunRecording.RunInfo info(DemoConfig c, Demo.Run run, Instant startedAt) {
        List<String> features = new ArrayList<>();
        String kernel = System.getProperty("os.version");
        try {
            KernelCapabilities k = KernelCapabilities.probe();
            kernel = k.kernelRelease();
            // What the zap backend relies on: MISSING + WP on shmem, and PAGEMAP_SCAN for the hot scan.
            k.featureNames().stream().filter(n -> n.contains("SHMEM") || n.contains("WP")).forEach(features::add);
            if (k.pagemapScan()) {
                features.add("PAGEMAP_SCAN");
            }
        } catch (RuntimeException e) {
            features.add("(probe failed: " + e.getMessage() + ")");
        }
        return new RunRecording.RunInfo(c.vmId(), c.guest(), c.guestSize(), pattern(c), c.policy(),
                c.cycle().toMillis() / 1000.0, run.trackedSeconds(), run.backend(), features, kernel, hostName(),
                startedAt.toString());
    }

    private static String pattern(DemoConfig c) {
        if (!c.pattern().equals("hot-cold")) {
            return c.pattern();
        }
        return String.format(Locale.ROOT, "hot-cold: %.1f %% of pages hot, %.1f %% of operations on them, hot set"
                + " moves once midway", c.hotFraction() * 100, c.hotAccess() * 100);
    }

    /** The guest's tracked rate: from its first published operation after the hand-over to the end of the run. */
    record Rate(double opsPerSecond, double fromSeconds, double toSeconds) {}

    static Rate trackedRate(List<VmmProcess.Progress> progress, java.util.Optional<JsonNode> report) {
        VmmProcess.Progress first = progress.stream().filter(p -> p.ops() > 0).findFirst().orElse(null);
        VmmProcess.Progress last = progress.isEmpty() ? null : progress.getLast();
        if (first == null || last == null || last.vmmSeconds() - first.vmmSeconds() < 1) {
            double fallback = report.map(r -> r.get("ops_per_s").doubleValue()).orElse(Double.NaN);
            return new Rate(fallback, 0, report.map(r -> r.get("duration_s").doubleValue()).orElse(Double.NaN));
        }
        return new Rate((last.ops() - first.ops()) / (last.vmmSeconds() - first.vmmSeconds()), first.vmmSeconds(),
                last.vmmSeconds());
    }

    private static List<String> notes(DemoConfig c, Demo.Run run, List<CycleSample> cycles, LatencyHistogram latency,
                                      Rate tracked, double evictedFraction, double ratio, boolean clean) {
        List<String> notes = new ArrayList<>();
        double meanWs = cycles.stream().skip(cycles.size() / 2).mapToLong(CycleSample::workingSetPages).average()
                .orElse(Double.NaN);
        String windows = Double.isNaN(run.baselineAfterOps())
                ? String.format(Locale.ROOT, "measured before the hand-over only (the second window did not run)")
                : String.format(Locale.ROOT, "the mean of %.0f ops/s before the hand-over and %.0f ops/s after the"
                        + " run with every service stopped", run.baselineOps(), run.baselineAfterOps());
        notes.add(String.format(Locale.ROOT, "guest ops/s while tracked: %.0f, measured from its first operation"
                        + " after the hand-over (t=%.1f s, after its init) to the end of the run (t=%.1f s); baseline:"
                        + " %.0f ops/s, %s, each window %.0f s untracked after the guest's init (same guest, size and"
                        + " pattern, fresh memory)", tracked.opsPerSecond(), tracked.fromSeconds(), tracked.toSeconds(),
                baseline(run), windows, run.baselineSeconds()));
        phases(run, baseline(run)).ifPresent(notes::add);
        if (evictedFraction < Demo.TARGET_EVICTED) {
            notes.add(String.format(Locale.ROOT, "target missed: evicted at most %.1f %% of guest memory (target %.0f"
                            + " %%); the second half's working set was %.0f pages per cycle (%.1f %% of the guest), and"
                            + " the policy %s only evicts pages idle that long", evictedFraction * 100,
                    Demo.TARGET_EVICTED * 100, meanWs, 100 * meanWs / c.pages(), c.policy()));
        }
        if (!(ratio >= Demo.TARGET_RATIO)) {
            double armCost = meanWs * SHADOW_FAULT_MICROS / 1e6 / (c.cycle().toMillis() / 1000.0);
            double refaultCost = latency.total() * (Double.isNaN(latency.p50Micros()) ? 0 : latency.p50Micros()) / 1e6;
            boolean kvm = c.guest().equals("kvm");
            notes.add(String.format(Locale.ROOT, "target missed: the guest kept %.1f %% of its untracked rate (target"
                            + " %.0f %%). Why, estimated: every cycle the zap arm (the VMM's MADV_DONTNEED) drops every"
                            + " mapped page, so each page of the working set (%.0f per cycle) faults again%s: ~%.1f %% of"
                            + " a vCPU at a %s cycle; and %d refaults at a handler p50 of %.0f µs (plus the %s wake-up)"
                            + " stalled it for ≥ %.1f s. %s",
                    ratio * 100, Demo.TARGET_RATIO * 100, meanWs, kvm ? String.format(Locale.ROOT, " through KVM's"
                            + " shadow MMU at ~%.0f µs", SHADOW_FAULT_MICROS) : " (a minor fault)",
                    kvm ? armCost * 100 : armCost * 100 / SHADOW_FAULT_MICROS, Units.format(c.cycle()),
                    latency.total(), latency.p50Micros(), kvm ? "vCPU's exit and" : "thread's", refaultCost,
                    loadAverage()));
        }
        if (!clean) {
            notes.add("the VMM did not finish cleanly (exit " + run.vmmExit().map(String::valueOf).orElse("none")
                    + "): " + run.vmmLastLine());
        }
        notes.add(run.servicesNiced()
                ? "the demo's services (broker, tier-store, evictor, agent) ran at nice " + Niceness.SERVICES
                        + " and the guest's processes at 0, as a host runs its tiering below its vCPUs"
                : "the demo's services and the guest ran at the same nice value (not root: no renice)");
        notes.add(c.guest().equals("kvm")
                ? "refault latency is the fault handler's share (uffd message read → page mapped); a vCPU also pays"
                        + " KVM's exit and the wake-up, 60–80 µs in all on this kind of host (vmm/README.md)"
                : "refault latency is the fault handler's share (uffd message read → page mapped); the faulting"
                        + " thread also pays the kernel's wake-up");
        return notes;
    }

    /**
     * Where the guest's rate went: while the bulk of the guest was being evicted (the demo's JVM compressing,
     * sending and storing it on the host's other CPU) versus afterwards (hot set resident, little left to evict).
     */
    static java.util.Optional<String> phases(Demo.Run run, double baseline) {
        long split = run.sampler().bulkEvictionEndNanos();
        List<VmmProcess.Progress> running = run.progress().stream().filter(p -> p.ops() > 0).toList();
        if (split < 0 || running.size() < 4 || !(baseline > 0)) {
            return java.util.Optional.empty();
        }
        List<VmmProcess.Progress> before = running.stream().filter(p -> p.readNanos() <= split).toList();
        List<VmmProcess.Progress> after = running.stream().filter(p -> p.readNanos() >= split).toList();
        if (before.size() < 2 || after.size() < 2) {
            return java.util.Optional.empty();
        }
        double evicting = rate(before);
        double steady = rate(after);
        return java.util.Optional.of(String.format(Locale.ROOT, "while the bulk of the guest was evicted (t=%.0f–%.0f"
                        + " s) the guest ran at %.0f ops/s (%.1f %% of the baseline): the demo's JVM compressed, sent"
                        + " and stored it on the host's other CPU; afterwards (t=%.0f–%.0f s, hot set resident) at"
                        + " %.0f ops/s (%.1f %%)", before.getFirst().vmmSeconds(), before.getLast().vmmSeconds(),
                evicting, 100 * evicting / baseline, after.getFirst().vmmSeconds(), after.getLast().vmmSeconds(),
                steady, 100 * steady / baseline));
    }

    private static double rate(List<VmmProcess.Progress> p) {
        VmmProcess.Progress a = p.getFirst();
        VmmProcess.Progress b = p.getLast();
        return (b.ops() - a.ops()) / (b.vmmSeconds() - a.vmmSeconds());
    }

    /** "Load average at the end: 3.2 / 2.9 / 2.1 on 2 CPUs" (other work on the host skews both rates). */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return "Load average at the end: " + f[0] + " / " + f[1] + " / " + f[2] + " on "
                    + Runtime.getRuntime().availableProcessors() + " CPUs.";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static long field(java.util.Optional<JsonNode> report, String name, long missing) {
        return report.map(r -> r.get(name)).map(JsonNode::longValue).orElse(missing);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
    }
}
