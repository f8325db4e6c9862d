package io.coldtier.evictor.policy;

import org.roaringbitmap.RoaringBitmap;

/**
 * Read-only view of one region's page ages, for policies. The age of a page is the number of scans
 * since it was last seen accessed, saturating at {@link #MAX_AGE}. "Resident" means not believed
 * evicted: the evictor has not named it in a command since its last access or refault.
 *
 * <p>The selection methods make one pass over compact per-page arrays and allocate only their
 * result, so a policy built on them stays cheap enough for offline replay.
 */
public interface RegionAges {
    /** Ages saturate here: a byte per page, and "idle for 255 scans" is cold enough for any policy. */
    int MAX_AGE = 255;

    int region();

    int pages();

    long pageSize();

    /** Cycle of the last scan applied, or -1 before the first. */
    long lastCycle();

    int age(long page);

    boolean isEvicted(long page);

    int residentCount();

    int evictedCount();

    /** Pages accessed in the last applied scan (the region's working set). */
    int accessedCount();

    /** Resident pages with exactly this age. */
    int ageCount(int age);

    /** Resident pages per age, index = age, length {@code MAX_AGE + 1}; a copy. */
    int[] ageHistogram();

    /** Resident pages with age at least {@code minAge}, from the histogram (no page pass). */
    int residentAtLeast(int minAge);

    /** Resident pages with age at least {@code minAge}. */
    RoaringBitmap idleAtLeast(int minAge);

    /**
     * Up to {@code count} resident pages with age at least {@code minAge}, oldest first; among
     * pages of equal age the lowest page indexes win, so the choice is deterministic.
     */
    RoaringBitmap coldest(int count, int minAge);

    /** Age histogram of the given pages (resident or not), index = age: a decision's evidence. */
    int[] histogramOf(RoaringBitmap pages);
}
