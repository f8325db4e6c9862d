package io.coldtier.fleet.internal;

import io.coldtier.schemas.Bitmaps;
import io.coldtier.schemas.avro.ScanResult;
import org.roaringbitmap.RoaringBitmap;

import java.util.Arrays;

/**
 * The idle age of every page of one region, from its scans in order: a page's last sighting is the end
 * ({@code scannedAt}) of the last interval in which it was accessed. A page never seen accessed has been idle at least
 * since the first interval began, which is all that can be said about it. Ages are therefore exact to one interval
 * (an access anywhere in the interval counts as at its end) and bounded by the observation.
 */
public final class RegionTracker {
    private static final long NEVER = Long.MIN_VALUE;
    private final long[] lastSeenMicros;
    /** The same, not counting presence that a prefetch in the same interval explains (a lower bound of touches). */
    private final long[] lastTouchedMicros;
    private final int pageSize;
    private long firstArmedMicros = Long.MAX_VALUE;
    private long lastScanMicros = Long.MIN_VALUE;
    private long lastCycle = Long.MIN_VALUE;
    private ScanResult last;

    public RegionTracker(long pages, int pageSize) {
        if (pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("region of " + pages + " pages is too large to analyse");
        }
        this.lastSeenMicros = new long[(int) pages];
        Arrays.fill(lastSeenMicros, NEVER);
        this.lastTouchedMicros = lastSeenMicros.clone();
        this.pageSize = pageSize;
    }

    /**
     * Applies one scan; scans of a region must come in cycle order, and duplicates or older cycles are ignored.
     *
     * @param prefetchOnly pages that may be present only because a refault prefetched them during this interval
     *                     (present whether touched or not); they count as seen but not as touched
     */
    public boolean apply(ScanResult s, RoaringBitmap prefetchOnly) {
        if (s.getCycle() <= lastCycle) {
            return false;
        }
        lastCycle = s.getCycle();
        long scanned = micros(s.getScannedAt());
        firstArmedMicros = Math.min(firstArmedMicros, micros(s.getArmedAt()));
        lastScanMicros = Math.max(lastScanMicros, scanned);
        RoaringBitmap accessed = Bitmaps.fromBytes(s.getAccessed().duplicate());
        accessed.forEach((int page) -> {
            if (Integer.toUnsignedLong(page) < lastSeenMicros.length) {
                lastSeenMicros[page] = scanned;
                if (!prefetchOnly.contains(page)) {
                    lastTouchedMicros[page] = scanned;
                }
            }
        });
        last = s;
        return true;
    }

    /**
     * Pages idle at least each of {@code agesMicros} (ascending) at the last scan, then (last element) the pages
     * seen within {@code windowMicros}. An age longer than the observation gives -1 (not observable). With
     * {@code excludingPrefetch}, presence explained by a prefetch does not count (see {@link #apply}).
     */
    public long[] countIdle(long[] agesMicros, long windowMicros, boolean excludingPrefetch) {
        long[] counts = new long[agesMicros.length + 1];
        long now = lastScanMicros;
        long observed = observedMicros();
        for (long seen : excludingPrefetch ? lastTouchedMicros : lastSeenMicros) {
            long idle = seen == NEVER ? observed : now - seen;
            for (int i = 0; i < agesMicros.length && idle >= agesMicros[i]; i++) {
                counts[i]++;
            }
            if (seen != NEVER && idle < windowMicros) {
                counts[agesMicros.length]++;
            }
        }
        for (int i = 0; i < agesMicros.length; i++) {
            if (agesMicros[i] > observed) {
                counts[i] = -1;
            }
        }
        return counts;
    }

    /** First armed → last scanned, in microseconds (0 before the first scan). */
    public long observedMicros() {
        return last == null ? 0 : lastScanMicros - firstArmedMicros;
    }

    public long pages() {
        return lastSeenMicros.length;
    }

    public int pageSize() {
        return pageSize;
    }

    public long lastScanMicros() {
        return lastScanMicros;
    }

    /** The last scan applied, or null. */
    public ScanResult last() {
        return last;
    }

    public static long micros(java.time.Instant t) {
        return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }
}
