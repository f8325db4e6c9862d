package io.coldtier.scanner;

import org.roaringbitmap.RoaringBitmap;

import java.util.function.IntPredicate;

/**
 * Decides, from each scan, which pages to evict. In-process stand-in until the evictor service
 * (Kafka) takes over; the executor skips pages that are not resident, so a policy may name them.
 */
public interface EvictionPolicy {
    /**
     * @param evictable whether a page is resident now (evicted or busy pages are not candidates
     *                  and must not use up a per-cycle budget)
     */
    RoaringBitmap decide(ScanResult scan, IntPredicate evictable);

    /** Informs the policy that {@code page} was refilled (touched) outside a scan, if it cares. */
    default void refaulted(int region, long page) {
    }
}
