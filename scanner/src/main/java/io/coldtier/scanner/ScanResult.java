package io.coldtier.scanner;

import org.roaringbitmap.RoaringBitmap;

import java.time.Instant;

/**
 * One hot scan of one region: the pages accessed between {@code armedAt} and {@code scannedAt},
 * as a compressed bitmap of page indexes (never one record per page).
 */
public record ScanResult(int region, long cycle, Instant armedAt, Instant scannedAt, long pages,
                         RoaringBitmap accessed) {
    public long accessedCount() {
        return accessed.getLongCardinality();
    }
}
