package io.coldtier.evictor;

import io.coldtier.evictor.policy.RegionAges;
import org.roaringbitmap.BatchIterator;
import org.roaringbitmap.BitSetUtil;
import org.roaringbitmap.RoaringBitmap;

import java.util.Arrays;

/**
 * Compact state of one guest region: one unsigned byte of age per page (scans since last access,
 * saturating at {@link #MAX_AGE}), one bit per page for "believed evicted" (the evictor named it and
 * no refault or access has been seen since), and the age histogram of the resident pages, kept up to
 * date on every change so policies read it without a pass over the pages.
 *
 * <p>About 1.25 bytes per page (age, evicted bit, one reusable scratch bit set): 330 KiB for a
 * 1 GiB region of 4 KiB pages. The per-page loops work on 64-page words and do not allocate, because
 * the replay simulator runs this exact code over whole traces. Not thread-safe.
 */
public final class PageAges implements RegionAges {
    private final int region;
    private final int pages;
    private final long pageSize;
    private final byte[] ages;
    private final long[] evicted;
    /** Reused per call: the accessed pages of the scan being applied, or a selection being built. */
    private final long[] scratch;
    private final int[] batch = new int[256];
    private final int[] histogram = new int[MAX_AGE + 1];
    private int evictedCount;
    private int accessedCount;
    private int lastScanRefaults;
    private long lastCycle = -1;
    private long reportedResident;
    private long reportedEvicted;

    /** A region nothing is known about yet: every page resident, age 0 (nothing proven idle). */
    public PageAges(int region, int pages, long pageSize) {
        if (region < 0 || pages <= 0 || pageSize <= 0) {
            throw new IllegalArgumentException("need region >= 0, pages > 0, pageSize > 0; got "
                    + region + ", " + pages + ", " + pageSize);
        }
        this.region = region;
        this.pages = pages;
        this.pageSize = pageSize;
        this.ages = new byte[pages];
        int words = (pages + 63) >>> 6;
        this.evicted = new long[words];
        this.scratch = new long[words];
        histogram[0] = pages;
    }

    /**
     * Applies one scan: accessed pages go to age 0 (and, if believed evicted, count as refaults seen
     * by the scan), all others age by one. A scan whose cycle is not newer than the last applied one
     * is a duplicate delivery or a replay and changes nothing.
     *
     * @return whether the scan was applied
     * @throws IllegalArgumentException if the scan is for another region shape (nothing changes)
     */
    public boolean observe(ScanInput scan) {
        requireSameShape(scan);
        if (scan.cycle() <= lastCycle) {
            return false;
        }
        loadBits(scan.accessed());
        Arrays.fill(histogram, 0);
        int refaults = 0;
        for (int w = 0; w < scratch.length; w++) {
            long acc = scratch[w];
            long ev = evicted[w];
            // An access to a page we believed evicted means it came back: the scan may overtake
            // the REFAULT event, which travels on another topic.
            refaults += Long.bitCount(acc & ev);
            ev &= ~acc;
            evicted[w] = ev;
            ageWord(w << 6, acc, ev);
        }
        evictedCount -= refaults;
        lastScanRefaults = refaults;
        accessedCount = scan.accessed().getCardinality();
        lastCycle = scan.cycle();
        reportedResident = scan.residentCount();
        reportedEvicted = scan.evictedCount();
        return true;
    }

    /** Ages 64 pages branch-free: +1 saturating, 0 where accessed; histogram counts residents. */
    private void ageWord(int base, long acc, long ev) {
        int n = Math.min(64, pages - base);
        for (int i = 0; i < n; i++) {
            int a = ages[base + i] & 0xff;
            a += (a - MAX_AGE) >>> 31;
            a &= (int) ((acc >>> i) & 1) - 1;
            ages[base + i] = (byte) a;
            histogram[a] += (int) ((~ev >>> i) & 1);
        }
    }

    /**
     * The page was touched outside a scan (refault, trapped write, prefetch): resident, age 0.
     *
     * @return whether it was believed evicted (only then is a refault counted, so a duplicate event
     *         or one the scan already revealed is not counted twice)
     */
    public boolean refaulted(long page) {
        int p = index(page);
        boolean wasEvicted = evictedBit(p);
        if (wasEvicted) {
            evicted[p >>> 6] &= ~(1L << p);
            evictedCount--;
        } else {
            histogram[ages[p] & 0xff]--;
        }
        ages[p] = 0;
        histogram[0]++;
        return wasEvicted;
    }

    /**
     * The page's stored copy was lost and the agent poisoned it: keep it out of the candidate set
     * (naming it again would make the agent read a poisoned page) until a scan sees it touched.
     */
    public void poisoned(long page) {
        int p = index(page);
        if (!evictedBit(p)) {
            setEvicted(p);
        }
    }

    /**
     * Records that the evictor named these pages in a command: no longer resident, no longer
     * candidates. Pages already believed evicted are left alone.
     *
     * @return how many pages changed state
     */
    public int markEvicted(RoaringBitmap victims) {
        requireInRange(victims);
        int marked = 0;
        BatchIterator it = victims.getBatchIterator();
        while (it.hasNext()) {
            int n = it.nextBatch(batch);
            for (int i = 0; i < n; i++) {
                int p = batch[i];
                if (!evictedBit(p)) {
                    setEvicted(p);
                    marked++;
                }
            }
        }
        return marked;
    }

    private void setEvicted(int p) {
        evicted[p >>> 6] |= 1L << p;
        evictedCount++;
        histogram[ages[p] & 0xff]--;
    }

    /** The subset of {@code candidates} that are pages of this region and resident. */
    public RoaringBitmap residentOf(RoaringBitmap candidates) {
        RoaringBitmap inRange = candidates.clone();
        inRange.remove((long) pages, 0x1_0000_0000L);
        loadBits(inRange);
        for (int w = 0; w < scratch.length; w++) {
            scratch[w] &= ~evicted[w];
        }
        return BitSetUtil.bitmapOf(scratch);
    }

    @Override
    public RoaringBitmap idleAtLeast(int minAge) {
        checkAge(minAge);
        if (residentAtLeast(minAge) == 0) {
            return new RoaringBitmap();
        }
        for (int w = 0; w < scratch.length; w++) {
            scratch[w] = olderThanMask(w << 6, minAge - 1) & ~evicted[w];
        }
        return BitSetUtil.bitmapOf(scratch);
    }

    @Override
    public RoaringBitmap coldest(int count, int minAge) {
        checkAge(minAge);
        if (count <= 0) {
            return new RoaringBitmap();
        }
        // From the histogram, find the cutoff age: all residents older than it go, plus the first
        // `take` residents (in page order) of exactly that age.
        int take = count;
        int cutoff = -1;
        for (int a = MAX_AGE; a >= minAge; a--) {
            if (histogram[a] >= take) {
                cutoff = a;
                break;
            }
            take -= histogram[a];
        }
        if (cutoff < 0) {
            return idleAtLeast(minAge);
        }
        int partial = take;
        for (int w = 0; w < scratch.length; w++) {
            long resident = ~evicted[w];
            long older = olderThanMask(w << 6, cutoff) & resident;
            long equal = equalMask(w << 6, cutoff) & resident;
            long kept = 0;
            while (partial > 0 && equal != 0) {
                long lowest = equal & -equal;
                kept |= lowest;
                equal ^= lowest;
                partial--;
            }
            scratch[w] = older | kept;
        }
        return BitSetUtil.bitmapOf(scratch);
    }

    /** Bit i set where page base+i has age > threshold (threshold -1 selects every page). */
    private long olderThanMask(int base, int threshold) {
        int n = Math.min(64, pages - base);
        long m = 0;
        for (int i = 0; i < n; i++) {
            m |= (long) ((threshold - (ages[base + i] & 0xff)) >>> 31) << i;
        }
        return m;
    }

    private long equalMask(int base, int age) {
        int n = Math.min(64, pages - base);
        long m = 0;
        for (int i = 0; i < n; i++) {
            m |= (long) ((((ages[base + i] & 0xff) ^ age) - 1) >>> 31) << i;
        }
        return m;
    }

    @Override
    public int[] histogramOf(RoaringBitmap selected) {
        requireInRange(selected);
        int[] h = new int[MAX_AGE + 1];
        BatchIterator it = selected.getBatchIterator();
        while (it.hasNext()) {
            int n = it.nextBatch(batch);
            for (int i = 0; i < n; i++) {
                h[ages[batch[i]] & 0xff]++;
            }
        }
        return h;
    }

    private void loadBits(RoaringBitmap set) {
        Arrays.fill(scratch, 0L);
        BatchIterator it = set.getBatchIterator();
        while (it.hasNext()) {
            int n = it.nextBatch(batch);
            for (int i = 0; i < n; i++) {
                int p = batch[i];
                scratch[p >>> 6] |= 1L << p;
            }
        }
    }

    @Override
    public int age(long page) {
        return ages[index(page)] & 0xff;
    }

    @Override
    public boolean isEvicted(long page) {
        return evictedBit(index(page));
    }

    private boolean evictedBit(int p) {
        return (evicted[p >>> 6] & (1L << p)) != 0;
    }

    @Override
    public int ageCount(int age) {
        checkAge(age);
        return histogram[age];
    }

    @Override
    public int[] ageHistogram() {
        return histogram.clone();
    }

    @Override
    public int residentAtLeast(int minAge) {
        checkAge(minAge);
        int sum = 0;
        for (int a = minAge; a <= MAX_AGE; a++) {
            sum += histogram[a];
        }
        return sum;
    }

    @Override
    public int region() {
        return region;
    }

    @Override
    public int pages() {
        return pages;
    }

    @Override
    public long pageSize() {
        return pageSize;
    }

    @Override
    public long lastCycle() {
        return lastCycle;
    }

    @Override
    public int residentCount() {
        return pages - evictedCount;
    }

    @Override
    public int evictedCount() {
        return evictedCount;
    }

    @Override
    public int accessedCount() {
        return accessedCount;
    }

    /** Believed-evicted pages the last applied scan saw accessed (refaults it revealed). */
    public int lastScanRefaults() {
        return lastScanRefaults;
    }

    /** Resident pages as the agent reported them in the last scan (its truth, not our belief). */
    public long reportedResident() {
        return reportedResident;
    }

    /** Evicted pages as the agent reported them in the last scan. */
    public long reportedEvicted() {
        return reportedEvicted;
    }

    private int index(long page) {
        if (page < 0 || page >= pages) {
            throw new IllegalArgumentException("page " + page + " is outside region " + region
                    + " (" + pages + " pages)");
        }
        return (int) page;
    }

    private void requireInRange(RoaringBitmap set) {
        if (!set.isEmpty() && Integer.toUnsignedLong(set.last()) >= pages) {
            throw new IllegalArgumentException("page " + Integer.toUnsignedLong(set.last())
                    + " is outside region " + region + " (" + pages + " pages)");
        }
    }

    private void requireSameShape(ScanInput scan) {
        if (scan.region() != region || scan.pages() != pages || scan.pageSize() != pageSize) {
            throw new IllegalArgumentException("scan of " + scan.vmId() + " region " + scan.region() + " has "
                    + scan.pages() + " pages of " + scan.pageSize() + " B, but region " + region + " has "
                    + pages + " pages of " + pageSize + " B (resizing a region is not supported)");
        }
    }

    private static void checkAge(int age) {
        if (age < 0 || age > MAX_AGE) {
            throw new IllegalArgumentException("age must be in 0.." + MAX_AGE + ", got " + age);
        }
    }
}
