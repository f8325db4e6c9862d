package io.coldtier.demo;

import io.coldtier.faultsource.FaultMetrics;
import io.coldtier.faultsource.GuestMemory;
import io.coldtier.report.RunRecording.CycleSample;
import io.coldtier.report.RunRecording.Heatmap;
import io.coldtier.report.RunRecording.LatencyHistogram;
import io.coldtier.scanner.CycleReport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;
import org.roaringbitmap.RoaringBitmap;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns the agent's detection cycles into the recording's per-cycle samples and heatmap rows. It listens on the
 * engine's cycle reports in this process (the agent host runs here), so it sees the exact accessed bitmap of every
 * cycle without a round trip through {@code coldtier.scans}. Runs on the agent's cycle thread: everything here is
 * counters and one range count per heatmap bucket, so the cycle is not delayed measurably.
 *
 * <p>Refault latency is the fault handler's share (uffd message read → page mapped, {@link FaultMetrics}); the
 * guest additionally pays the kernel's and KVM's wake-up. The sampler is the only reader of the engine's interval
 * histogram, so each refault is counted once.
 */
final class CycleSampler {
    /** Upper bounds of the report's latency histogram, µs; the last bucket is everything above. */
    private static final double[] BOUNDS_MICROS = {5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 50000,
            Double.POSITIVE_INFINITY};
    private static final int MAX_BUCKETS = 128;

    private final GuestMemory memory;
    private final FaultMetrics metrics;
    private final VmmProcess vmm;
    private final long startNanos;
    private final long pages;
    private final long pagesPerBucket;
    private final int buckets;
    private final List<CycleSample> samples = new CopyOnWriteArrayList<>();
    private final List<int[]> heatRows = new ArrayList<>();
    private final List<Integer> heatCycles = new ArrayList<>();
    private final Histogram allRefaults = new Histogram(3);
    private long lastNanos;
    private long lastRefaults;
    private long lastEvictions;
    private VmmProcess.Progress lastProgress;
    private double lastOpsRate = Double.NaN;
    private volatile long peakEvicted;

    /**
     * @param startNanos when tracking began (the hand-over); sample times count from here
     */
    CycleSampler(GuestMemory memory, FaultMetrics metrics, VmmProcess vmm, long startNanos) {
        this.memory = memory;
        this.metrics = metrics;
        this.vmm = vmm;
        this.startNanos = startNanos;
        this.lastNanos = startNanos;
        this.pages = memory.regions().stream().mapToLong(r -> r.pages()).sum();
        this.pagesPerBucket = Math.max(1, (pages + MAX_BUCKETS - 1) / MAX_BUCKETS);
        this.buckets = (int) ((pages + pagesPerBucket - 1) / pagesPerBucket);
        this.lastRefaults = metrics.refaults.sum();
        this.lastEvictions = metrics.evictedPages.sum();
        metrics.refaultLatencyInterval(); // refaults before we listened belong to no cycle
    }

    /** The engine's cycle listener: one report per region per cycle; the sample is taken on region 0's. */
    void onCycle(CycleReport report) {
        if (report.scan().region() != 0) {
            return;
        }
        long now = System.nanoTime();
        double dt = Math.max(1e-3, (now - lastNanos) / 1e9);
        long refaults = metrics.refaults.sum();
        long evictions = metrics.evictedPages.sum();
        Histogram interval = metrics.refaultLatencyInterval();
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        synchronized (allRefaults) {
            if (interval.getTotalCount() > 0) {
                p50 = interval.getValueAtPercentile(50) / 1000.0;
                p99 = interval.getValueAtPercentile(99) / 1000.0;
                allRefaults.add(interval);
            }
        }
        long evicted = memory.evictedPages();
        peakEvicted = Math.max(peakEvicted, evicted);
        VmmProcess.Progress p = vmm.latest().orElse(null);
        if (p != null && lastProgress != null && p.readNanos() > lastProgress.readNanos()) {
            lastOpsRate = (p.ops() - lastProgress.ops()) / ((p.readNanos() - lastProgress.readNanos()) / 1e9);
        }
        if (p != null && (lastProgress == null || p.readNanos() > lastProgress.readNanos())) {
            lastProgress = p;
        }
        long zero = Math.min(evicted, metrics.evictedZeroPages.sum());
        samples.add(new CycleSample((int) report.scan().cycle(), (now - startNanos) / 1e9, pages - evicted, evicted,
                zero, report.scan().accessedCount(), refaults - lastRefaults, evictions - lastEvictions,
                (refaults - lastRefaults) / dt, p50, p99, (evictions - lastEvictions) * 4096.0 / dt / 1e6,
                lastOpsRate, p == null ? 0 : p.errors()));
        heatRow((int) report.scan().cycle(), report.scan().accessed());
        lastNanos = now;
        lastRefaults = refaults;
        lastEvictions = evictions;
    }

    private void heatRow(int cycle, RoaringBitmap accessed) {
        int[] row = new int[buckets];
        for (int j = 0; j < buckets; j++) {
            long from = j * pagesPerBucket;
            row[j] = (int) accessed.rangeCardinality(from, Math.min(pages, from + pagesPerBucket));
        }
        synchronized (heatRows) {
            heatRows.add(row);
            heatCycles.add(cycle);
        }
    }

    List<CycleSample> samples() {
        return List.copyOf(samples);
    }

    /**
     * When (System.nanoTime) the bulk eviction was over: the end of the first cycle at which the evicted pages
     * reached 90 % of their peak; -1 if nothing was evicted. Splits the tracked run into "evicting" and "steady".
     */
    long bulkEvictionEndNanos() {
        long peak = peakEvicted;
        if (peak == 0) {
            return -1;
        }
        for (CycleSample s : samples) {
            if (s.evictedPages() >= peak * 0.9) {
                return startNanos + (long) (s.tSeconds() * 1e9);
            }
        }
        return -1;
    }

    /** The engine's number of the last sampled cycle (0 before the first). */
    int lastCycle() {
        return samples.isEmpty() ? 0 : samples.getLast().cycle();
    }

    long pages() {
        return pages;
    }

    long peakEvicted() {
        return peakEvicted;
    }

    Heatmap heatmap() {
        synchronized (heatRows) {
            return new Heatmap(pagesPerBucket, buckets, heatCycles.stream().mapToInt(Integer::intValue).toArray(),
                    heatRows.toArray(int[][]::new));
        }
    }

    /** Every refault resolved while the sampler listened, in the report's buckets. */
    LatencyHistogram latency() {
        synchronized (allRefaults) {
            long[] counts = new long[BOUNDS_MICROS.length];
            for (HistogramIterationValue v : allRefaults.recordedValues()) {
                double micros = v.getValueIteratedTo() / 1000.0;
                int i = 0;
                while (micros > BOUNDS_MICROS[i]) {
                    i++;
                }
                counts[i] += v.getCountAddedInThisIterationStep();
            }
            long total = allRefaults.getTotalCount();
            return new LatencyHistogram(BOUNDS_MICROS.clone(), counts,
                    total == 0 ? Double.NaN : allRefaults.getValueAtPercentile(50) / 1000.0,
                    total == 0 ? Double.NaN : allRefaults.getValueAtPercentile(99) / 1000.0, total);
        }
    }
}
