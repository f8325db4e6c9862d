package io.coldtier.evictor.policy;

import java.util.List;

/**
 * What a policy may read about one VM: its regions' ages and its counters. Read-only; the evictor
 * alone changes state, so a policy cannot corrupt it. Times are event times in microseconds, taken
 * from the scans and faults themselves (never a wall clock), so replays decide identically.
 */
public interface VmView {
    String vmId();

    /** Region indexes seen so far, ascending. */
    List<Integer> regions();

    /** @throws IllegalArgumentException if no scan of that region has been seen */
    RegionAges region(int region);

    /** Pages accessed in the last scan of each region, summed over regions. */
    long workingSetPages();

    /** Pages not believed evicted, summed over regions. */
    long residentPages();

    /** {@link #residentPages()} in bytes (each region's own page size). */
    long residentBytes();

    long evictedPages();

    /** Refaults counted since the VM was first seen. */
    long refaults();

    /** Refaults counted between the previous scan of this VM and the latest one. */
    long refaultsLastCycle();

    /** Refaults with event time in {@code (afterMicros, untilMicros]}, at one-second granularity. */
    long refaultsBetween(long afterMicros, long untilMicros);

    /**
     * Refaults in the minute up to {@code nowMicros} as a fraction of the working set (0.002 is
     * 0.2 %/min); an empty working set counts as one page so the rate stays finite.
     */
    default double refaultRatePerMinute(long nowMicros) {
        long refaults = refaultsBetween(nowMicros - 60_000_000L, nowMicros);
        return (double) refaults / Math.max(1L, workingSetPages());
    }
}
