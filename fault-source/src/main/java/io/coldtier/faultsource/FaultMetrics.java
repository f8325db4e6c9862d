package io.coldtier.faultsource;

import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the fault path, shared by the fault loop, the refaulter and the executor.
 * Refault latency is measured from the moment the message was read to the moment the page was
 * mapped (the handler's share of what the guest waits; the kernel's wake-up comes on top).
 */
public final class FaultMetrics {
    /** A page whose stored copy failed verification and was poisoned instead of mapped. */
    public record Poisoned(int region, long page, String reason) {}

    public final LongAdder messages = new LongAdder();
    public final LongAdder refaults = new LongAdder();
    public final LongAdder zeroFills = new LongAdder();
    public final LongAdder cancels = new LongAdder();
    public final LongAdder wakes = new LongAdder();
    public final LongAdder unprotects = new LongAdder();
    public final LongAdder retries = new LongAdder();
    /** Refaults that failed because the tier could not be reached; each is retried. */
    public final LongAdder tierErrors = new LongAdder();
    public final LongAdder prefetched = new LongAdder();
    /** Prefetched pages the guest touched before their next eviction. */
    public final LongAdder prefetchHits = new LongAdder();
    public final LongAdder evictedPages = new LongAdder();
    public final LongAdder evictedZeroPages = new LongAdder();
    public final LongAdder evictedBytes = new LongAdder();
    public final List<Poisoned> poisoned = new CopyOnWriteArrayList<>();
    private final Recorder refaultNanos = new Recorder(3);

    void recordRefault(long nanos) {
        refaults.increment();
        refaultNanos.recordValue(Math.max(1, nanos));
    }

    /** Refault latencies since the last call (resets the interval). */
    public Histogram refaultLatencyInterval() {
        return refaultNanos.getIntervalHistogram();
    }

    public double prefetchHitRate() {
        long p = prefetched.sum();
        return p == 0 ? Double.NaN : (double) prefetchHits.sum() / p;
    }
}
