package io.coldtier.evictor;

import org.roaringbitmap.RoaringBitmap;

import java.util.Objects;

/**
 * One hot scan of one guest region, as the evictor sees it (the Kafka layer maps the Avro
 * {@code ScanResult} to this). A fact: the pages in {@code accessed} were touched during
 * {@code cycle}. The evictor never mutates {@code accessed}.
 *
 * @param vmId            the VM this region belongs to
 * @param region          region index within the VM
 * @param cycle           the agent's detection-cycle number for this region; strictly increasing
 * @param scannedAtMicros event time of the scan (agent clock, epoch microseconds)
 * @param pages           number of pages in the region
 * @param pageSize        bytes per page (a power of two)
 * @param accessed        page indexes touched since the cycle was armed
 * @param residentCount   pages the agent reports resident after the scan
 * @param evictedCount    pages the agent reports evicted after the scan
 */
public record ScanInput(String vmId, int region, long cycle, long scannedAtMicros, long pages,
                        long pageSize, RoaringBitmap accessed, long residentCount,
                        long evictedCount) {
    public ScanInput {
        requireVmId(vmId);
        if (region < 0) {
            throw new IllegalArgumentException("region must be >= 0, got " + region);
        }
        if (cycle < 0) {
            throw new IllegalArgumentException("cycle must be >= 0, got " + cycle);
        }
        // Page ages are one byte per page in an int-indexed array.
        if (pages <= 0 || pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pages must be in 1.." + Integer.MAX_VALUE + ", got " + pages);
        }
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("pageSize must be a power of two, got " + pageSize);
        }
        Objects.requireNonNull(accessed, "accessed");
        if (!accessed.isEmpty() && Integer.toUnsignedLong(accessed.last()) >= pages) {
            throw new IllegalArgumentException("accessed page " + Integer.toUnsignedLong(accessed.last())
                    + " is outside region " + region + " of " + vmId + " (" + pages + " pages)");
        }
        if (residentCount < 0 || evictedCount < 0) {
            throw new IllegalArgumentException("residentCount and evictedCount must be >= 0, got "
                    + residentCount + " and " + evictedCount);
        }
    }

    /** Number of pages touched in this cycle: the region's contribution to the working set. */
    public long accessedCount() {
        return accessed.getLongCardinality();
    }

    static void requireVmId(String vmId) {
        if (vmId == null || vmId.isBlank()) {
            throw new IllegalArgumentException("vmId must be non-blank");
        }
    }
}
