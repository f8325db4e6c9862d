package io.coldtier.report;

import java.util.List;

/**
 * Everything a run recorded, in the order the report shows it. Built by whoever ran the system (the demo), rendered
 * by {@code ReportWriter} into {@code report.html} (offline, embedded SVG charts) and {@code summary.json}.
 * Plain data: no behaviour, no references to live services.
 */
public record RunRecording(RunInfo info, Baseline baseline, List<CycleSample> cycles, Heatmap heatmap,
                           LatencyHistogram refaultLatency, List<PolicyDecision> decisions, Outcome outcome) {
    public RunRecording {
        cycles = List.copyOf(cycles);
        decisions = List.copyOf(decisions);
    }

    /**
     * What ran and where: the VM, its guest, the workload, the policy, the tracking backend and the kernel features
     * it relied on (names as the capability probe prints them, e.g. {@code UFFD_FEATURE_WP_HUGETLBFS_SHMEM}).
     */
    public record RunInfo(String vmId, String guestKind, long guestBytes, String pattern, String policy,
                          double cycleSeconds, double durationSeconds, String backend, List<String> kernelFeatures,
                          String kernel, String host, String startedAt) {
        public RunInfo {
            kernelFeatures = List.copyOf(kernelFeatures);
        }
    }

    /** The guest's untracked operation rate, measured before tracking starts (same guest, same pattern). */
    public record Baseline(double opsPerSecond, double measuredSeconds) {}

    /**
     * One tracking cycle as seen at its end. Page counts are 4 KiB guest pages; rates are over the cycle;
     * latencies are refaults resolved during the cycle ({@code NaN} when there were none).
     */
    public record CycleSample(int cycle, double tSeconds, long residentPages, long evictedPages, long zeroPages,
                              long workingSetPages, long refaults, long evictions, double refaultsPerSecond,
                              double refaultP50Micros, double refaultP99Micros, double evictionMBps,
                              double guestOpsPerSecond, long lostWrites) {}

    /**
     * Page address × time, like {@code damo report heatmap}: row {@code i} is cycle {@code cycles[i]}, column
     * {@code j} covers guest pages {@code [j*pagesPerBucket, (j+1)*pagesPerBucket)}, the value is how many of those
     * pages were accessed in that cycle (0..pagesPerBucket).
     */
    public record Heatmap(long pagesPerBucket, int buckets, int[] cycles, int[][] accessed) {}

    /** Refault latency counts: {@code counts[i]} refaults took at most {@code upperBoundsMicros[i]} (and more than the previous bound). */
    public record LatencyHistogram(double[] upperBoundsMicros, long[] counts, double p50Micros, double p99Micros,
                                   long total) {}

    /** One eviction command the policy emitted: how many pages, and its evidence (e.g. the pages' idle ages). */
    public record PolicyDecision(int cycle, double tSeconds, String policy, long pages, String evidence) {}

    /**
     * How the run ended. {@code lostWrites} counts the guest's data errors plus pages failing its final
     * verification (must be 0); {@code evictedFraction} is the peak fraction of guest memory out at once;
     * {@code throughputRatio} = guest ops/s while tracked ÷ {@link Baseline#opsPerSecond()}. {@code notes} says,
     * in words, anything a target missed and why.
     */
    public record Outcome(long lostWrites, long verifyFailures, double evictedFraction, double guestOpsPerSecond,
                          double throughputRatio, long refaults, long evictions, boolean cleanStop,
                          List<String> notes) {
        public Outcome {
            notes = List.copyOf(notes);
        }
    }
}
