package io.coldtier.faultsource;

import org.roaringbitmap.RoaringBitmap;

/**
 * Which pages came back by prefetch rather than by their own fault, per region, so the next
 * hot scan can tell whether the guest used them (a hit) before they are judged again.
 */
public final class PrefetchLedger {
    private final RoaringBitmap[] pending;
    private final FaultMetrics metrics;

    public PrefetchLedger(int regions, FaultMetrics metrics) {
        this.pending = new RoaringBitmap[regions];
        for (int i = 0; i < regions; i++) {
            pending[i] = new RoaringBitmap();
        }
        this.metrics = metrics;
    }

    synchronized void prefetched(int region, long page) {
        pending[region].add((int) page);
        metrics.prefetched.increment();
    }

    /** Settles the ledger against the pages a scan found accessed; returns the hits. */
    public synchronized long settle(int region, RoaringBitmap accessed) {
        long hits = RoaringBitmap.andCardinality(pending[region], accessed);
        metrics.prefetchHits.add(hits);
        pending[region] = new RoaringBitmap();
        return hits;
    }
}
