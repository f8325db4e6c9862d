package io.coldtier.scanner;

import org.roaringbitmap.RoaringBitmap;

import java.util.function.IntPredicate;

/**
 * Evict pages idle for at least {@code minIdleCycles} consecutive scans, at most
 * {@code maxPerCycle} per region and cycle (coldest first, lowest address on ties). Page ages are
 * kept per region as a byte per page, saturating at 255.
 */
public final class IdleCyclesPolicy implements EvictionPolicy {
    private final int minIdleCycles;
    private final long maxPerCycle;
    private final byte[][] idle;

    public IdleCyclesPolicy(long[] regionPages, int minIdleCycles, long maxPerCycle) {
        if (minIdleCycles < 1) {
            throw new IllegalArgumentException("minIdleCycles must be >= 1");
        }
        this.minIdleCycles = minIdleCycles;
        this.maxPerCycle = maxPerCycle;
        this.idle = new byte[regionPages.length][];
        for (int i = 0; i < regionPages.length; i++) {
            idle[i] = new byte[Math.toIntExact(regionPages[i])];
        }
    }

    @Override
    public RoaringBitmap decide(ScanResult scan, IntPredicate evictable) {
        byte[] ages = idle[scan.region()];
        RoaringBitmap accessed = scan.accessed();
        int[] countByAge = new int[256];
        for (int p = 0; p < ages.length; p++) {
            if (accessed.contains(p)) {
                ages[p] = 0;
            } else if (ages[p] != (byte) 255) {
                ages[p]++;
            }
            if (evictable.test(p)) {
                countByAge[ages[p] & 0xff]++;
            }
        }
        // Oldest first: find the lowest age that still fits within maxPerCycle.
        long budget = maxPerCycle;
        int cutoff = 256;
        for (int age = 255; age >= minIdleCycles; age--) {
            if (countByAge[age] > budget) {
                break;
            }
            budget -= countByAge[age];
            cutoff = age;
        }
        RoaringBitmap victims = new RoaringBitmap();
        long partialBudget = budget;
        int partialAge = cutoff - 1;
        for (int p = 0; p < ages.length; p++) {
            int age = ages[p] & 0xff;
            if (age < minIdleCycles || !evictable.test(p)) {
                continue;
            }
            if (age >= cutoff) {
                victims.add(p);
            } else if (age == partialAge && partialBudget > 0) {
                victims.add(p);
                partialBudget--;
            }
        }
        return victims;
    }

    @Override
    public void refaulted(int region, long page) {
        idle[region][(int) page] = 0;
    }

    /** Current idle age of a page, for tests and reports. */
    public int age(int region, long page) {
        return idle[region][(int) page] & 0xff;
    }
}
