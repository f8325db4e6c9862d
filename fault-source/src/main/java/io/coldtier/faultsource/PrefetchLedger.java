package io.coldtier.faultsource;

import org.roaringbitmap.RoaringBitmap;

/**
 * Which pages came back by prefetch rather than by their own fault, per region, so the next
 * hot scan can tell whether the guest used them (a hit) before they are judged again.
 */
public final class PrefetchLedger {
    private final RoaringBitmap[] pending;
    /** Prefetched before the current interval's arm: the next scan can judge these. */
    private final RoaringBitmap[] judged;
    private final FaultMetrics metrics;

    public PrefetchLedger(int regions, FaultMetrics metrics) {
        this.pending = new RoaringBitmap[regions];
        this.judged = new RoaringBitmap[regions];
        for (int i = 0; i < regions; i++) {
            pending[i] = new RoaringBitmap();
            judged[i] = new RoaringBitmap();
        }
        this.metrics = metrics;
    }

    /** Prefetched pages whose verdict is still open (tests). */
    public synchronized long open(int region) {
        return pending[region].getLongCardinality() + judged[region].getLongCardinality();
    }

    synchronized void prefetched(int region, long page) {
        pending[region].add((int) page);
        metrics.prefetched.increment();
    }

    /**
     * Called when an interval starts (the arm unmaps every page): pages prefetched so far become
     * judgeable, because from now on they are present only if the guest touches them. Pages
     * prefetched later in the interval are present whether touched or not, so they wait for the
     * next interval.
     */
    public synchronized void armed(int region) {
        judged[region].or(pending[region]);
        pending[region] = new RoaringBitmap();
    }

    /** Settles the judgeable pages against what a scan found accessed; returns the hits. */
    public synchronized long settle(int region, RoaringBitmap accessed) {
        long hits = RoaringBitmap.andCardinality(judged[region], accessed);
        metrics.prefetchHits.add(hits);
        judged[region] = new RoaringBitmap();
        return hits;
    }
}
