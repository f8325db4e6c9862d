package io.coldtier.report;

import io.coldtier.report.RunRecording.Baseline;
import io.coldtier.report.RunRecording.CycleSample;
import io.coldtier.report.RunRecording.Heatmap;
import io.coldtier.report.RunRecording.LatencyHistogram;
import io.coldtier.report.RunRecording.Outcome;
import io.coldtier.report.RunRecording.PolicyDecision;
import io.coldtier.report.RunRecording.RunInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A believable run without a kernel: a 1 GiB guest, 120 one-second cycles, a 128 MiB hot set that moves from
 * 100 MiB to 600 MiB at a phase change (cycle 60), an idle-age policy evicting what stays cold. Seeded, so every
 * test sees the same numbers.
 */
final class SyntheticRun {
    static final long GUEST_BYTES = 1L << 30;
    static final long PAGES = GUEST_BYTES / 4096;
    static final int CYCLES = 120;
    static final int PHASE_CHANGE = 60;
    static final int BUCKETS = 256;
    static final long PAGES_PER_BUCKET = PAGES / BUCKETS; // 4 MiB per bucket
    static final double BASELINE_OPS = 2_000_000;

    private SyntheticRun() {}

    static RunRecording recording() {
        return recording(CYCLES, List.of("p99 refault < 1 ms target met & \"no\" lost writes",
                "phase change at cycle 60 refaulted the new hot set <as expected>"));
    }

    static RunRecording recording(int cycles, List<String> notes) {
        Random rnd = new Random(42);
        List<CycleSample> samples = new ArrayList<>();
        List<PolicyDecision> decisions = new ArrayList<>();
        int[][] accessed = new int[cycles][BUCKETS];
        int[] cycleNumbers = new int[cycles];
        long evicted = 0, totalRefaults = 0, totalEvictions = 0, peakEvicted = 0;
        double opsSum = 0;
        for (int c = 0; c < cycles; c++) {
            cycleNumbers[c] = c;
            int hotFrom = c < PHASE_CHANGE ? 25 : 150; // bucket index: 100 MiB, then 600 MiB
            long ws = 0;
            for (int b = 0; b < BUCKETS; b++) {
                boolean hot = (b >= hotFrom && b < hotFrom + 32) || b < 2; // plus the guest kernel's low pages
                int v = hot ? (int) (PAGES_PER_BUCKET * (0.85 + 0.15 * rnd.nextDouble()))
                        : rnd.nextInt(100) < 4 ? rnd.nextInt((int) PAGES_PER_BUCKET / 4) : 0;
                accessed[c][b] = v;
                ws += v;
            }
            // The policy evicts idle pages from cycle 5 on; after the phase change the new hot set refaults.
            long evictions = c < 5 ? 0 : c < 15 ? 18_000 + rnd.nextInt(4000) : rnd.nextInt(100) < 70 ? rnd.nextInt(3000) : 0;
            long refaults = c >= PHASE_CHANGE && c < PHASE_CHANGE + 4 ? 9000 + rnd.nextInt(3000)
                    : c >= 5 ? rnd.nextInt(60) : 0;
            evicted = Math.max(0, Math.min(PAGES - ws, evicted + evictions - refaults));
            peakEvicted = Math.max(peakEvicted, evicted);
            totalRefaults += refaults;
            totalEvictions += evictions;
            double ops = BASELINE_OPS * (c >= PHASE_CHANGE && c < PHASE_CHANGE + 3 ? 0.55 : 0.95)
                    * (0.98 + 0.04 * rnd.nextDouble());
            opsSum += ops;
            double p50 = refaults == 0 ? Double.NaN : 35 + rnd.nextInt(15);
            double p99 = refaults == 0 ? Double.NaN : 240 + rnd.nextInt(200);
            samples.add(new CycleSample(c, c + 1.0, PAGES - evicted, evicted, 0, ws, refaults, evictions,
                    refaults / 1.0, p50, p99, evictions * 4096 / 1e6, ops, 0));
            if (evictions > 0) {
                decisions.add(new PolicyDecision(c, c + 1.0, "idle-age", evictions,
                        "idle >= 3 cycles: " + evictions + " pages, oldest idle " + (c + 1) + " cycles"));
            }
        }
        double opsMean = cycles == 0 ? Double.NaN : opsSum / cycles;
        return new RunRecording(
                new RunInfo("vm-demo-1", "kvm", GUEST_BYTES, "hotset-shift", "idle-age(3)", 1.0, cycles,
                        "zap", List.of("UFFD_FEATURE_WP_HUGETLBFS_SHMEM", "UFFD_FEATURE_WP_ASYNC", "PAGEMAP_SCAN"),
                        "6.18.0-coldtier", "bench-host-01", "2026-11-27T02:00:00Z"),
                new Baseline(BASELINE_OPS, 10),
                samples,
                new Heatmap(PAGES_PER_BUCKET, BUCKETS, cycleNumbers, accessed),
                histogram(totalRefaults),
                decisions,
                new Outcome(0, 0, peakEvicted / (double) PAGES, opsMean, opsMean / BASELINE_OPS, totalRefaults,
                        totalEvictions, true, notes));
    }

    /** Power-of-two µs buckets up to ~1 s, log-normal around 40 µs with a tail. */
    static LatencyHistogram histogram(long total) {
        double[] bounds = new double[21];
        long[] counts = new long[21];
        for (int i = 0; i < bounds.length; i++) {
            bounds[i] = 1L << i;
        }
        if (total > 0) {
            double[] shape = new double[21];
            double sum = 0;
            for (int i = 0; i < 21; i++) {
                double z = (i - 5.3) / 1.3;
                shape[i] = Math.exp(-z * z / 2) + (i >= 7 && i <= 12 ? 0.01 : 0);
                sum += shape[i];
            }
            long assigned = 0;
            for (int i = 0; i < 21; i++) {
                counts[i] = Math.round(total * shape[i] / sum);
                assigned += counts[i];
            }
            counts[5] += total - assigned;
        }
        return new LatencyHistogram(bounds, counts, total > 0 ? 41 : Double.NaN, total > 0 ? 310 : Double.NaN, total);
    }
}
